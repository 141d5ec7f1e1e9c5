import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually, integrationTest, kafkaBrokers, servicesRequired } from '@oxagry/testkit'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import {
  availableKafkaClients,
  connectClusterAdmin,
  createKafkaBackend,
  KAFKA_CLIENTS,
  type KafkaClientName,
} from '@oxagry/kafka'
import { countTopology, createTopics, produce, testBackend } from '../runtime/integration-fixtures.ts'
import { KafkaStreams } from '../runtime/kafka-streams.ts'
import { StreamsState } from '../runtime/streams-state.ts'
import { freePort, lookup, serveCounts } from './query-fixtures.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
const kafka = testBackend(brokers)
const silent = pino({ level: 'silent' })
/** Every topic a test made, deleted after the suite. */
const created: string[] = []

test.after(async () => {
  const admin = await connectClusterAdmin({ brokers }, { clientId: 'iq-it-cleanup' })
  try {
    for (const topic of created) await admin.deleteTopic(topic).catch(() => {})
  } finally {
    await admin.close()
  }
  await kafka.close()
})

/** Every client where services are required (CI builds node-rdkafka), the installed ones otherwise. */
const TEST_CLIENTS = servicesRequired() ? [...KAFKA_CLIENTS] : availableKafkaClients()
const PARTITIONS = 4
/** Keys m0..m19, key mi counted i % 3 + 1 times. */
const KEYS = Array.from({ length: 20 }, (_, i) => ({ key: `m${i}`, count: (i % 3) + 1 }))

async function instance(
  client: KafkaClientName,
  app: string,
  input: string,
  output: string,
): Promise<KafkaStreams> {
  return new KafkaStreams(countTopology(input, output), {
    applicationId: app,
    backend: createKafkaBackend(client, { brokers, sessionTimeoutMs: 6000 }),
    commitIntervalMs: 200,
    stateDir: mkdtempSync(join(tmpdir(), 'iq-it-')),
    logger: silent,
    instanceHeartbeatMs: 1000,
    applicationServer: `127.0.0.1:${await freePort()}`,
  })
}

/**
 * Waits until every key looked up through `app` answers its count, and returns the hosts that answered.
 * Meanwhile 503 (partitions moving), 404 or a lower count (not counted yet) are fine; a count above the
 * final one fails the test.
 */
async function allAnswered(app: FastifyInstance, what: string): Promise<Set<unknown>> {
  const hosts = new Set<unknown>()
  const wrong: string[] = []
  for (const { key, count } of KEYS) {
    const answer = await eventually(
      async () => {
        const r = await lookup(app, key)
        if (r.status === 200 && r.body.value !== count && r.body.value !== undefined) {
          // A count below the final one is a count not caught up yet; above it is a wrong answer.
          if (typeof r.body.value !== 'number' || r.body.value > count)
            wrong.push(`${key} answered ${JSON.stringify(r.body)}, expected ${count}`)
        }
        return r.status === 200 && r.body.value === count ? r : undefined
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${key} = ${count} through ${what}` },
    )
    hosts.add(answer.body.host)
  }
  if (wrong.length > 0) throw new Error(`wrong answers through ${what}: ${wrong.join('; ')}`)
  return hosts
}

/** Runs an instance with its query server in a child process, to be killed; resolves once it runs. */
async function worker(
  client: KafkaClientName,
  app: string,
  input: string,
  output: string,
): Promise<{ kill: () => void; server: string }> {
  const server = `127.0.0.1:${await freePort()}`
  const file = fileURLToPath(new URL('../runtime/crash-worker.ts', import.meta.url))
  const args = [
    app,
    input,
    output,
    'at_least_once',
    brokers.join(','),
    mkdtempSync(join(tmpdir(), 'iq-it-')),
    client,
    server,
  ]
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('STATE RUNNING')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before running`)))
  })
  return { kill: () => child.kill('SIGKILL'), server }
}

for (const client of TEST_CLIENTS) {
  test.serial(
    `${client}: two instances answer every key through either, and one alone after the other stops`,
    async (t) => {
      const id = randomUUID().slice(0, 8)
      const app = `iq-it-${id}`
      const input = `${app}-in`
      const output = `${app}-out`
      created.push(input, output, `${app}-instances`, `${app}-counts-changelog`)
      await createTopics(kafka, [
        { name: input, partitions: PARTITIONS },
        { name: output, partitions: PARTITIONS },
      ])
      const a = await instance(client, app, input, output)
      const b = await instance(client, app, input, output)
      const httpA = await serveCounts(a)
      const httpB = await serveCounts(b)
      t.teardown(async () => {
        await httpA.close()
        await httpB.close()
        await a.close().catch(() => {})
        await b.close().catch(() => {})
      })
      await Promise.all([a.start(), b.start()])
      await produce(
        kafka,
        input,
        KEYS.flatMap(({ key, count }) => Array.from({ length: count }, () => ({ key, value: 'ping' }))),
      )
      await eventually(
        async () =>
          a.state === StreamsState.RUNNING &&
          b.state === StreamsState.RUNNING &&
          a.taskIds.length > 0 &&
          b.taskIds.length > 0
            ? true
            : undefined,
        { timeoutMs: 60_000, what: 'both instances running with tasks' },
      )
      const started = Date.now()
      const throughA = await allAnswered(httpA, 'a')
      const throughB = await allAnswered(httpB, 'b')
      const hostA = `127.0.0.1:${a.hostInfo?.port}`
      const hostB = `127.0.0.1:${b.hostInfo?.port}`
      // Each instance owns part of the keys, so each answered some lookups made through the other.
      t.deepEqual([...throughA].sort(), [hostA, hostB].sort())
      t.deepEqual([...throughB].sort(), [hostA, hostB].sort())
      t.log(`${client}: every key answered through both instances ${Date.now() - started} ms after both ran`)

      // b stops: its partitions move to a, which restores b's counts and answers every key itself.
      const stopped = Date.now()
      await httpB.close()
      await b.close()
      const alone = await allAnswered(httpA, 'a alone')
      t.deepEqual([...alone], [hostA])
      t.is(a.taskIds.length, PARTITIONS)
      t.log(`${client}: every key answered by a alone ${Date.now() - stopped} ms after b began to stop`)
    },
  )
}

for (const client of TEST_CLIENTS) {
  test.serial(
    `${client}: after the owner of half the keys is killed, the other answers them all`,
    async (t) => {
      const id = randomUUID().slice(0, 8)
      const app = `iq-it-${id}`
      const input = `${app}-in`
      const output = `${app}-out`
      created.push(input, output, `${app}-instances`, `${app}-counts-changelog`)
      await createTopics(kafka, [
        { name: input, partitions: PARTITIONS },
        { name: output, partitions: PARTITIONS },
      ])
      const a = await instance(client, app, input, output)
      const httpA = await serveCounts(a)
      const b = await worker(client, app, input, output)
      t.teardown(async () => {
        b.kill()
        await httpA.close()
        await a.close().catch(() => {})
      })
      await a.start()
      await produce(
        kafka,
        input,
        KEYS.flatMap(({ key, count }) => Array.from({ length: count }, () => ({ key, value: 'ping' }))),
      )
      await eventually(
        async () =>
          a.state === StreamsState.RUNNING && a.taskIds.length > 0 && a.taskIds.length < PARTITIONS
            ? true
            : undefined,
        { timeoutMs: 60_000, what: 'a running beside the worker' },
      )
      const hostA = `127.0.0.1:${a.hostInfo?.port}`
      const before = await allAnswered(httpA, 'a beside the worker')
      t.deepEqual([...before].sort(), [hostA, b.server].sort())

      const killed = Date.now()
      b.kill()
      // Until the group notices (its session timeout), the worker's keys are 503; then a restores them.
      const after = await allAnswered(httpA, 'a after the kill')
      t.deepEqual([...after], [hostA])
      t.is(a.taskIds.length, PARTITIONS)
      t.log(`${client}: every key answered by a alone ${Date.now() - killed} ms after the worker's SIGKILL`)
    },
  )
}
