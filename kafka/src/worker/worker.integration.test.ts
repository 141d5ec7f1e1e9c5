import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { availableKafkaClients, createKafkaBackend } from '../clients.ts'
import { readTopic } from '../read-topic.ts'
import type { ProducedRecord } from '../types.ts'
import { resolveWorkerSettings, WorkerState } from './options.ts'
import { startTransactionalWorker, type RecordHandler, type TransactionalWorker } from './worker.ts'

const test = await integrationTest('kafka')

const record = (topic: string, key: string, partition?: number): ProducedRecord => ({
  topic,
  ...(partition === undefined ? {} : { partition }),
  key: Buffer.from(key),
  value: Buffer.from(key),
  timestamp: Date.now(),
  headers: {},
})

// Exactly-once per member on the real broker, on each client: one transaction of the member over its
// partitions, committed every 100 ms; a second member joining midway takes partitions away from the
// first (its open transaction committed on revocation, or aborted and redone by the new owner).
for (const client of availableKafkaClients()) {
  test(`${client}: the member's transactions: 90 jobs on 3 partitions, a second member joining midway; each output once, every offset committed`, async (t) => {
    const run = `it-worker-${client}-${randomUUID().slice(0, 8)}`
    const [input, output, group] = [`${run}-jobs`, `${run}-results`, `${run}-group`]
    const backend = createKafkaBackend(client, {
      brokers: kafkaBrokers(),
      clientId: run,
      sessionTimeoutMs: 6000,
    })
    t.teardown(() => backend.close())
    t.is(backend.transactionalIds, 'per-thread')
    const admin = await backend.admin()
    await admin.createTopics([
      { name: input, partitions: 3, config: {} },
      { name: output, partitions: 3, config: {} },
    ])
    await admin.close()

    const calls = new Map<string, number>()
    const handler: RecordHandler<string> = {
      decode: async (r) => r.value?.toString() ?? '',
      poison: async () => [],
      async handle(job, r, step) {
        const result = await step.call({
          attempt: async () => {
            calls.set(job, (calls.get(job) ?? 0) + 1)
            // Slow enough that the second member joins while the first is working.
            await new Promise((resolve) => setTimeout(resolve, 30))
            return { status: 'done' as const }
          },
          unavailableError: (message) => new Error(message),
        })
        if (result.kind === 'stopped') return 'stopped'
        step.emit(record(output, job, r.partition))
        return 'done'
      },
    }
    const workers: TransactionalWorker[] = []
    const start = async (instanceId: string) => {
      // A backend each, as two processes would have.
      const own = createKafkaBackend(client, {
        brokers: kafkaBrokers(),
        clientId: `${run}-${instanceId}`,
        sessionTimeoutMs: 6000,
      })
      t.teardown(() => own.close())
      const worker = await startTransactionalWorker({
        backend: own,
        topic: input,
        settings: resolveWorkerSettings(
          { groupId: group, instanceId, commitIntervalMs: 100 },
          { groupId: group, baseMs: 10, maxMs: 100, attempts: Number.POSITIVE_INFINITY },
        ),
        handler,
        logger: pino({ level: 'warn' }),
        name: `worker ${instanceId}`,
      })
      workers.push(worker)
      t.teardown(() => worker.stop())
      return worker
    }
    const producer = await backend.producer({ clientId: `${run}-producer` })
    t.teardown(() => producer.close())
    const send = (from: number, to: number) =>
      producer.send(
        Array.from({ length: to - from }, (_, i) => record(input, `job-${from + i}`, (from + i) % 3)),
      )

    const first = await start('a')
    await send(0, 45)
    await eventually(async () => (calls.size >= 10 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the first member working',
    })
    const second = await start('b')
    await send(45, 90)
    await eventually(async () => (workers.every((w) => w.health().partitions > 0) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the partitions spread over both members',
    })
    const results = await eventually(
      async () => {
        const read = await readTopic(backend, output)
        return read.length >= 90 ? read : undefined
      },
      { timeoutMs: 90_000, what: '90 results' },
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const all = (await readTopic(backend, output)).map((r) => r.key!.toString())
    t.is(all.length, 90, 'no output twice under read_committed')
    t.is(new Set(all).size, 90)
    t.is(results.length, 90)
    for (const worker of [first, second]) t.is(worker.health().state, WorkerState.RUNNING)
    t.is(calls.size, 90, 'every job called')

    await Promise.all(workers.map((w) => w.stop()))
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: run, logLevel: logLevel.NOTHING })
    const groupAdmin = kafka.admin()
    await groupAdmin.connect()
    t.teardown(() => groupAdmin.disconnect())
    const [offsets] = await groupAdmin.fetchOffsets({ groupId: group, topics: [input] })
    t.deepEqual(
      offsets?.partitions.map((p) => [p.partition, p.offset]).sort(),
      [
        [0, '30'],
        [1, '30'],
        [2, '30'],
      ],
      'every offset committed',
    )
  })
}
