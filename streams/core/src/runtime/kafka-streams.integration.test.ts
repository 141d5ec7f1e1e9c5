import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { integrationTest, kafkaBrokers, servicesRequired } from '@oxagry/testkit'
import type { ExecutionContext } from 'ava'
import { pino } from 'pino'
import { availableKafkaClients, createKafkaBackend, KAFKA_CLIENTS, type KafkaClientName } from '@oxagry/kafka'
import type { ProcessingGuarantee } from './config.ts'
import {
  countTopology,
  consumeAll,
  createTopics,
  testBackend,
  pings,
  produce,
} from './integration-fixtures.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
const kafka = testBackend(brokers)
test.after(() => kafka.close())
const silent = pino({ level: 'silent' })

/**
 * The Kafka clients the runtime's integration tests run on: every one where services are required (CI
 * builds node-rdkafka, so its absence there fails the tests), the ones installed otherwise.
 */
const TEST_CLIENTS = servicesRequired() ? [...KAFKA_CLIENTS] : availableKafkaClients()

function names(): { app: string; input: string; output: string } {
  const id = randomUUID().slice(0, 8)
  return { app: `it-${id}`, input: `it-${id}-in`, output: `it-${id}-out` }
}

function instance(
  client: KafkaClientName,
  app: string,
  input: string,
  output: string,
  guarantee: ProcessingGuarantee,
  stateDir?: string,
): KafkaStreams {
  return new KafkaStreams(countTopology(input, output), {
    applicationId: app,
    backend: createKafkaBackend(client, { brokers, sessionTimeoutMs: 6000 }),
    processingGuarantee: guarantee,
    commitIntervalMs: 200,
    stateDir: stateDir ?? mkdtempSync(join(tmpdir(), 'streams-it-')),
    logger: silent,
  })
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The last count per key, and whether each key's counts are exactly 1..n with nothing twice. */
function summarize(records: { key: string; value: number }[]): { last: Map<string, number>; exact: boolean } {
  const seen = new Map<string, number[]>()
  for (const r of records) seen.set(r.key, [...(seen.get(r.key) ?? []), r.value])
  const last = new Map([...seen].map(([k, v]) => [k, v.at(-1) ?? 0]))
  const exact = [...seen.values()].every((values) => values.every((v, i) => v === i + 1))
  return { last, exact }
}

/** Reads the counts (read_committed) until every key has reached `perKey`. */
function readCounts(output: string, keys: number, perKey: number): Promise<{ key: string; value: number }[]> {
  return consumeAll(
    kafka,
    output,
    (r) => {
      const { last } = summarize(r)
      return last.size === keys && [...last.values()].every((v) => v >= perKey)
    },
    { readCommitted: true, timeoutMs: 90_000 },
  )
}

/** Every key counted up to `perKey`: nothing lost; exactly-once, every count seen once and in order. */
function assertCounted(
  t: ExecutionContext,
  records: { key: string; value: number }[],
  { keys, perKey, guarantee }: { keys: number; perKey: number; guarantee: ProcessingGuarantee },
): void {
  const { last, exact } = summarize(records)
  t.is(last.size, keys)
  t.true(
    [...last.values()].every((v) => v >= perKey),
    'every ping counted: nothing lost',
  )
  if (guarantee === 'exactly_once') {
    t.true(exact, 'a read_committed reader sees every count once, in order')
    t.is(records.length, keys * perKey)
  }
}

function startWorker(args: string[]): { child: ChildProcess; running: Promise<void> } {
  const worker = fileURLToPath(new URL('./crash-worker.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const running = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('STATE RUNNING')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before running`)))
  })
  return { child, running }
}

/** The same tests on every Kafka client the streams runtime runs on. */
for (const client of TEST_CLIENTS) {
  for (const guarantee of ['at_least_once', 'exactly_once'] as const) {
    test.serial(
      `${client}, ${guarantee}: counts on Kafka, and a restart restores the counts from the changelog`,
      async (t) => {
        const { app, input, output } = names()
        await createTopics(kafka, [
          { name: input, partitions: 2 },
          { name: output, partitions: 2 },
        ])
        const first = instance(client, app, input, output, guarantee)
        await first.start()
        await waitFor(() => first.state === StreamsState.RUNNING)
        await produce(kafka, input, pings(10, 5))
        await consumeAll(kafka, output, (r) => r.length >= 50, { readCommitted: true })
        await first.close()

        const second = instance(client, app, input, output, guarantee)
        await second.start()
        await produce(kafka, input, pings(10, 1))
        const records = await consumeAll(kafka, output, (r) => r.length >= 60, { readCommitted: true })
        await second.close()
        const { last, exact } = summarize(records)
        t.is(records.length, 60)
        t.true(exact, 'each key counted 1..6 exactly once')
        t.deepEqual(
          [...last.values()],
          Array.from({ length: 10 }, () => 6),
        )
      },
    )
  }

  test.serial(
    `${client}: two instances split the tasks; when one leaves, the other takes its state over from the changelog`,
    async (t) => {
      const { app, input, output } = names()
      await createTopics(kafka, [
        { name: input, partitions: 4 },
        { name: output, partitions: 4 },
      ])
      const a = instance(client, app, input, output, 'exactly_once')
      const b = instance(client, app, input, output, 'exactly_once')
      await a.start()
      await waitFor(() => a.state === StreamsState.RUNNING && a.taskIds.length === 4)
      await b.start()
      await waitFor(
        () =>
          a.taskIds.length === 2 && b.taskIds.length === 2 && a.state === 'RUNNING' && b.state === 'RUNNING',
      )
      t.deepEqual([...a.taskIds, ...b.taskIds].sort(), ['0_0', '0_1', '0_2', '0_3'])
      await produce(kafka, input, pings(20, 2))
      await consumeAll(kafka, output, (r) => r.length >= 40)
      await b.close()
      await waitFor(() => a.taskIds.length === 4 && a.state === 'RUNNING')
      t.true(
        a.restoration().some((r) => r.restored > 0),
        'the moved tasks restored from their changelog',
      )
      await produce(kafka, input, pings(20, 1))
      const records = await consumeAll(kafka, output, (r) => r.length >= 60)
      await a.close()
      const { last, exact } = summarize(records)
      t.true(exact)
      t.true([...last.values()].every((v) => v === 3))
    },
  )

  for (const guarantee of ['at_least_once', 'exactly_once'] as const) {
    test.serial(
      `${client}, ${guarantee}: kill -9 mid-stream, restart: nothing lost${guarantee === 'exactly_once' ? ', nothing doubled' : ''}`,
      async (t) => {
        const { app, input, output } = names()
        await createTopics(kafka, [
          { name: input, partitions: 2 },
          { name: output, partitions: 2 },
        ])
        const stateDir = mkdtempSync(join(tmpdir(), 'streams-crash-'))
        const args = [app, input, output, guarantee, brokers.join(','), stateDir, client]
        const first = startWorker(args)
        await first.running
        const keys = 20
        const perKey = 100
        const all = pings(keys, perKey)
        await produce(kafka, input, all.slice(0, all.length / 2))
        // Kill it while it is processing: once some output is visible, and while more input arrives.
        await consumeAll(kafka, output, (r) => r.length >= 100, { readCommitted: false })
        const more = produce(kafka, input, all.slice(all.length / 2))
        first.child.kill('SIGKILL')
        await more
        const second = startWorker(args)
        await second.running
        const records = await readCounts(output, keys, perKey)
        second.child.kill('SIGTERM')
        await new Promise((r) => second.child.once('exit', r))
        assertCounted(t, records, { keys, perKey, guarantee })
      },
    )
  }

  for (const guarantee of ['at_least_once', 'exactly_once'] as const) {
    test.serial(
      `${client}, ${guarantee}: members joining and leaving while records flow lose nothing${guarantee === 'exactly_once' ? ' and double nothing' : ''}`,
      async (t) => {
        const { app, input, output } = names()
        await createTopics(kafka, [
          { name: input, partitions: 4 },
          { name: output, partitions: 4 },
        ])
        const keys = 20
        const perKey = 150
        const all = pings(keys, perKey)
        const a = instance(client, app, input, output, guarantee)
        await a.start()
        await waitFor(() => a.state === StreamsState.RUNNING && a.taskIds.length === 4)
        // Input keeps arriving in small steps while members come and go, so every rebalance finds tasks
        // with processed records whose commit is in flight.
        const step = all.length / 10
        let produced = 0
        const feed = (async () => {
          for (; produced < all.length; produced += step) {
            await produce(kafka, input, all.slice(produced, produced + step))
            await new Promise((r) => setTimeout(r, 300))
          }
        })()
        const members: KafkaStreams[] = []
        // A member that stops in ERROR fails the test at once, naming why.
        const settled = (condition: () => boolean): Promise<void> =>
          waitFor(() => {
            const failed = [a, ...members].find((m) => m.error !== undefined)
            if (failed !== undefined) throw new Error(`a member failed: ${failed.error?.message}`)
            return condition()
          })
        for (let round = 0; round < 3; round++) {
          const b = instance(client, app, input, output, guarantee)
          members.push(b)
          await b.start()
          await settled(() => b.taskIds.length > 0 && b.state === StreamsState.RUNNING)
          await b.close()
          await settled(() => a.taskIds.length === 4 && a.state === StreamsState.RUNNING)
        }
        await feed
        const records = await readCounts(output, keys, perKey)
        const failed = [a, ...members].filter((m) => m.error !== undefined).map((m) => m.error?.message)
        await a.close()
        t.deepEqual(failed, [], 'no member stopped in ERROR')
        assertCounted(t, records, { keys, perKey, guarantee })
      },
    )
  }
}
