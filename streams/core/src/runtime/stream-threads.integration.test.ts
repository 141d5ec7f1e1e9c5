import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createKafkaBackend, Serdes } from '@oxagry/kafka'
import {
  consumeAll,
  countTopology,
  createTopics,
  pings,
  produce,
  testBackend,
} from './integration-fixtures.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'
import { STREAMS_METRICS } from './metrics.ts'
import { fixtureModule } from './thread-fixtures.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
const kafka = testBackend(brokers)
test.after(() => kafka.close())

/**
 * kafkajs only: node-rdkafka's addon loads in one thread of a process, so stream threads refuse it
 * (stream-threads.test.ts checks the refusal).
 */
const TEST_CLIENTS = ['kafkajs'] as const

/** A fresh application id with its 4-partition input and output topics. */
async function threadTopics(): Promise<{ app: string; input: string; output: string }> {
  const id = randomUUID().slice(0, 8)
  const [app, input, output] = [`it-thr-${id}`, `it-thr-${id}-in`, `it-thr-${id}-out`]
  await createTopics(kafka, [
    { name: input, partitions: 4 },
    { name: output, partitions: 4 },
  ])
  return { app, input, output }
}

async function waitFor(condition: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The value of each series of a metric in the text exposition, by its `thread` label. */
function byThread(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line)
    const thread = /thread="(\d+)"/.exec(match?.[1] ?? '')?.[1]
    if (match !== null && thread !== undefined) out.set(thread, (out.get(thread) ?? 0) + Number(match[2]))
  }
  return out
}

for (const client of TEST_CLIENTS) {
  test.serial(
    `${client}, exactly_once, 2 stream threads: every task processed once, health and metrics per thread, stores read wherever they are`,
    async (t) => {
      const { app, input, output } = await threadTopics()
      const registry = new Registry()
      const streams = new KafkaStreams(countTopology(input, output), {
        applicationId: app,
        backend: createKafkaBackend(client, { brokers, sessionTimeoutMs: 6000 }),
        processingGuarantee: 'exactly_once',
        commitIntervalMs: 200,
        stateDir: mkdtempSync(join(tmpdir(), 'streams-threads-')),
        logger: pino({ level: 'silent' }),
        metricsRegistry: registry,
        applicationServer: 'localhost:18099',
        instanceHeartbeatMs: 500,
        numStreamThreads: 2,
        threadModule: fixtureModule({ input, output, client, brokers: brokers.join(',') }),
      })
      const states: StreamsState[] = []
      streams.onStateChange((next) => states.push(next))
      try {
        await streams.start()
        await waitFor(
          () =>
            streams.state === StreamsState.RUNNING &&
            (streams.health().threads ?? []).every((th) => th.tasks.length === 2),
        )
        const threads = streams.health().threads ?? []
        t.deepEqual(
          threads.map((th) => [th.thread, th.state]),
          [
            [1, StreamsState.RUNNING],
            [2, StreamsState.RUNNING],
          ],
        )
        t.deepEqual(threads.flatMap((th) => th.tasks).sort(), ['0_0', '0_1', '0_2', '0_3'])
        t.true(streams.health().ready)
        // Each thread's restores reach the instance in its status reports (about once a second).
        const restored = () => new Set(streams.restoration().map((r) => `${r.task}/${r.store}`))
        await waitFor(() => restored().size === 4, 5_000)
        t.deepEqual([...restored()].sort(), ['0_0/counts', '0_1/counts', '0_2/counts', '0_3/counts'])
        t.true(streams.restoration().every((r) => r.restored === r.total))

        await produce(kafka, input, pings(20, 5))
        const records = await consumeAll(kafka, output, (r) => r.length >= 100, {
          readCommitted: true,
          timeoutMs: 90_000,
        })
        const seen = new Map<string, number[]>()
        for (const r of records) seen.set(r.key, [...(seen.get(r.key) ?? []), r.value])
        t.is(records.length, 100, 'a read_committed reader sees every count once')
        t.true(
          [...seen.values()].every((values) => values.join() === '1,2,3,4,5'),
          'each key counted 1..5 exactly once, in order',
        )

        const counts = streams.asyncStore<string, number>('counts', 'keyValue')
        const keys = Array.from({ length: 20 }, (_, k) => `m${k}`)
        t.deepEqual(
          await Promise.all(keys.map((k) => counts.get(k))),
          keys.map(() => 5),
          'every key found, whichever thread owns its task',
        )
        t.is(await counts.approximateNumEntries(), 20)
        const all: string[] = []
        for await (const kv of counts.all()) all.push(kv.key)
        t.deepEqual(all.sort(), [...keys].sort())

        const [self] = streams.metadataForAllStreamsClients()
        t.is(self?.topicPartitions.length, 4, "the instance's one entry holds both threads' partitions")
        const hosts = await Promise.all(
          keys.map(async (k) => (await streams.queryMetadataForKey('counts', k, Serdes.String())).activeHost),
        )
        t.true(
          hosts.every((h) => h?.port === 18099),
          'every key is answered here, whichever thread owns it',
        )

        const text = await registry.metrics()
        const processed = byThread(text, STREAMS_METRICS.recordsProcessed)
        t.deepEqual([...processed.keys()].sort(), ['1', '2'], 'both threads processed records')
        t.is(
          [...processed.values()].reduce((a, b) => a + b, 0),
          100,
        )
      } finally {
        await streams.close({ timeoutMs: 30_000 })
      }
      t.is(streams.state, StreamsState.NOT_RUNNING)
      t.is(states.filter((s) => s === StreamsState.RUNNING).length >= 1, true)
      t.false(
        states.some((s, i) => i > 0 && states[i - 1] === s),
        'listeners hear each instance change once',
      )
    },
  )
}

test.serial(
  'kafkajs, 2 stream threads: a thread that fails for good stops the instance in ERROR, its health says which',
  async (t) => {
    const { app, input, output } = await threadTopics()
    const streams = new KafkaStreams(countTopology(input, output), {
      applicationId: app,
      backend: createKafkaBackend('kafkajs', { brokers, sessionTimeoutMs: 6000 }),
      stateDir: mkdtempSync(join(tmpdir(), 'streams-threads-')),
      logger: pino({ level: 'silent' }),
      numStreamThreads: 2,
      threadModule: fixtureModule({
        input,
        output,
        client: 'kafkajs',
        brokers: brokers.join(','),
        poison: 'bad',
      }),
    })
    const states: StreamsState[] = []
    streams.onStateChange((next) => states.push(next))
    try {
      await streams.start()
      await waitFor(() => streams.state === StreamsState.RUNNING)
      await produce(kafka, input, [{ key: 'bad', value: 'x' }])
      await waitFor(() => streams.state === StreamsState.ERROR)
      const health = streams.health()
      t.false(health.live)
      const failed = (health.threads ?? []).filter((th) => th.error !== undefined)
      t.is(failed.length, 1, 'one thread failed')
      t.is(failed[0]?.error?.code, 'OXA_STREAMS_PROCESSING')
      t.is(health.error?.code, 'OXA_STREAMS_PROCESSING', "the instance fails with its thread's error")
      t.regex(health.error?.message ?? '', new RegExp(`stream thread ${failed[0]?.thread} failed`))
      t.is(states.filter((s) => s === StreamsState.ERROR).length, 1)
    } finally {
      await streams.close({ timeoutMs: 30_000 })
    }
    t.is(streams.state, StreamsState.ERROR, 'ERROR stays after close, as a failed instance')
  },
)
