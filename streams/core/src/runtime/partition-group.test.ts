import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import type { StreamsError } from '../errors.ts'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { PartitionGroup, type QueuedRecord } from './partition-group.ts'

const S = Serdes.String()

function queued(timestamp: number, offset = '0'): QueuedRecord {
  return {
    raw: { topic: 't', partition: 0, offset, key: null, value: null, timestamp, headers: {} },
    record: { key: null, value: String(timestamp), timestamp, headers: {} },
    metadata: { topic: 't', partition: 0, offset },
    next: String(Number(offset) + 1),
  }
}

const AB = [
  { topic: 'a', partition: 0 },
  { topic: 'b', partition: 0 },
]

test('the next record is the lowest head timestamp across partitions, the first partition on a tie', (t) => {
  const group = new PartitionGroup(AB, 0)
  for (const ts of [5, 6, 9]) group.add('a:0', queued(ts))
  for (const ts of [1, 7, 9]) group.add('b:0', queued(ts))
  const order: string[] = []
  for (let next = group.next(); next !== undefined; next = group.next()) {
    order.push(`${next.partition}@${next.entry.record.timestamp}`)
  }
  t.deepEqual(order, ['b:0@1', 'a:0@5', 'a:0@6', 'b:0@7', 'a:0@9', 'b:0@9'])
})

test('with an empty partition: wait while its lag is unknown or positive, then idle maxTaskIdleMs', (t) => {
  const group = new PartitionGroup(AB, 100)
  group.add('a:0', queued(1))
  t.deepEqual(
    group.readiness(0, () => undefined),
    { ready: false, waitingFor: 'lag' },
  )
  t.deepEqual(
    group.readiness(0, () => 3),
    { ready: false, waitingFor: 'lag' },
  )
  // Caught up: the idle clock starts now, and processing is enforced once it runs out.
  t.deepEqual(
    group.readiness(1000, () => 0),
    { ready: false, waitingFor: 'idle' },
  )
  t.deepEqual(
    group.readiness(1099, () => 0),
    { ready: false, waitingFor: 'idle' },
  )
  t.deepEqual(
    group.readiness(1100, () => 0),
    { ready: true, enforced: true },
  )
  group.add('b:0', queued(2))
  t.deepEqual(
    group.readiness(1100, () => undefined),
    { ready: true, enforced: false },
  )
})

test('maxTaskIdleMs 0 processes at once without a caught-up partition; -1 never waits', (t) => {
  const zero = new PartitionGroup(AB, 0)
  zero.add('a:0', queued(1))
  t.deepEqual(
    zero.readiness(0, () => 0),
    { ready: true, enforced: true },
  )
  const never = new PartitionGroup(AB, -1)
  never.add('a:0', queued(1))
  t.deepEqual(
    never.readiness(0, () => undefined),
    { ready: true, enforced: false },
  )
  t.deepEqual(
    new PartitionGroup(AB, 0).readiness(0, () => 0),
    { ready: false, waitingFor: 'records' },
  )
})

function mergeTopology(): ReturnType<StreamsBuilder['build']> {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('left').merge(b.stream<string, string>('right')).to('out')
  return b.build()
}

function backendWith(records: Record<string, [string, number][]>): MemoryBackend {
  const backend = new MemoryBackend()
  for (const name of ['left', 'right', 'out']) backend.broker.createTopic({ name, partitions: 1, config: {} })
  for (const [topic, rows] of Object.entries(records)) {
    backend.broker.append(
      rows.map(([v, timestamp]) => ({
        topic,
        key: Buffer.from('k'),
        value: Buffer.from(v),
        timestamp,
        headers: {},
      })),
    )
  }
  return backend
}

function outputs(backend: MemoryBackend): string[] {
  return backend.broker.fetch('out', 0, 0, 1000, false).records.map((r) => r.value?.toString() ?? '')
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function streamsOn(backend: MemoryBackend, maxTaskIdleMs?: number): KafkaStreams {
  return new KafkaStreams(mergeTopology(), {
    applicationId: 'ordering',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'ordering-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
    ...(maxTaskIdleMs === undefined ? {} : { maxTaskIdleMs }),
  })
}

test('a task reading two topics processes their records in timestamp order, whatever order their batches come in', async (t) => {
  const backend = backendWith({
    left: [
      ['l5', 5],
      ['l6', 6],
      ['l9', 9],
    ],
    right: [
      ['r1', 1],
      ['r2', 2],
      ['r7', 7],
    ],
  })
  const streams = streamsOn(backend)
  await streams.start()
  await until(() => outputs(backend).length === 6)
  t.deepEqual(outputs(backend), ['r1', 'r2', 'l5', 'l6', 'r7', 'l9'])
  await streams.close()
})

test('an empty, caught-up partition does not hold the task back under the default maxTaskIdleMs', async (t) => {
  const backend = backendWith({ left: [['l1', 1]] })
  const streams = streamsOn(backend)
  await streams.start()
  await until(() => outputs(backend).length === 1)
  t.deepEqual(outputs(backend), ['l1'])
  await streams.close()
})

test('maxTaskIdleMs makes a task wait that long for an empty partition before processing without it', async (t) => {
  const backend = backendWith({ left: [['l1', 1]] })
  const streams = streamsOn(backend, 600)
  const started = Date.now()
  await streams.start()
  await until(() => outputs(backend).length === 1)
  t.true(Date.now() - started >= 600, `processed after ${Date.now() - started} ms`)
  await streams.close()
})

test('maxTaskIdleMs is validated: at least -1', (t) => {
  const error = t.throws(() => streamsOn(new MemoryBackend(), -2))
  t.is((error as StreamsError).code, STREAMS_ERROR_CODES.INVALID_CONFIG)
  t.regex(error?.message ?? '', /maxTaskIdleMs must be >= -1/)
})

test('long queues keep their order while taken from and refilled (the head index compacts)', (t) => {
  const group = new PartitionGroup(AB, -1)
  for (let i = 0; i < 3000; i++) group.add(i % 2 === 0 ? 'a:0' : 'b:0', queued(i, String(i)))
  const seen: number[] = []
  for (let i = 0; i < 2500; i++) seen.push(group.next()?.entry.record.timestamp ?? -1)
  for (let i = 3000; i < 3100; i++) group.add(i % 2 === 0 ? 'a:0' : 'b:0', queued(i, String(i)))
  for (let next = group.next(); next !== undefined; next = group.next())
    seen.push(next.entry.record.timestamp)
  t.deepEqual(
    seen,
    Array.from({ length: 3100 }, (_, i) => i),
  )
  t.is(group.size, 0)
})

test("a timestamp extractor is told its partition's time, not the task's", (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  // A record without a usable time takes its partition's latest, as a Kafka extractor would.
  const extractor = (
    record: { timestamp: number },
    _k: unknown,
    _v: unknown,
    partitionTime: number,
  ): number => (record.timestamp >= 0 ? record.timestamp : partitionTime)
  b.stream<string, string>('left', { timestampExtractor: extractor })
    .merge(b.stream<string, string>('right'))
    .to('out')
  const driver = new TopologyTestDriver(b.build())
  const left = driver.createInputTopic('left', S, S)
  left.pipeInput('k', 'l1', 10)
  driver.createInputTopic('right', S, S).pipeInput('k', 'r1', 50)
  left.pipeInput('k', 'l2', -1)
  t.deepEqual(
    driver
      .createOutputTopic('out', S, S)
      .readRecordsToList()
      .map((r) => `${r.value}@${r.timestamp}`),
    ['l1@10', 'r1@50', 'l2@10'],
  )
  driver.close()
})
