/**
 * The joins under KafkaStreams (memory backend, two partitions) rather than the test driver: their
 * internal topics are created and partitioned, their stores restored from changelogs after a restart.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { KafkaStreams } from '../runtime/kafka-streams.ts'
import type { StreamsConfig } from '../runtime/config.ts'
import type { Topology } from '../topology/topology.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { JoinWindows } from './windows.ts'

const S = Serdes.String()

function backendWith(topics: readonly string[]): MemoryBackend {
  const backend = new MemoryBackend()
  for (const name of topics) backend.broker.createTopic({ name, partitions: 2, config: {} })
  return backend
}

function produce(backend: MemoryBackend, topic: string, records: [string, string | null, number][]): void {
  backend.broker.append(
    records.map(([k, v, ts]) => ({
      topic,
      key: Buffer.from(k),
      value: v === null ? null : Buffer.from(v),
      timestamp: ts,
      headers: {},
    })),
  )
}

function readAll(backend: MemoryBackend, topic: string): string[] {
  const out: string[] = []
  for (let p = 0; p < (backend.broker.partitionCount(topic) ?? 0); p++) {
    for (const r of backend.broker.fetch(topic, p, 0, 1_000_000, true).records) {
      out.push(`${r.key?.toString()}=${r.value?.toString() ?? 'null'}`)
    }
  }
  return out.sort()
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function config(backend: MemoryBackend, stateDir: string): StreamsConfig {
  return {
    applicationId: 'joins',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir,
    commitIntervalMs: 20,
    pollIntervalMs: 10,
  }
}

test('a stream-stream left join keeps its window buffers across a restart', async (t) => {
  const build = (): Topology => {
    const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
    b.stream<string, string>('left')
      .leftJoin(
        b.stream<string, string>('right'),
        (v, o) => `${v}+${o}`,
        JoinWindows.ofTimeDifferenceWithNoGrace(10),
      )
      .to('out')
    return b.build()
  }
  const backend = backendWith(['left', 'right', 'out'])
  const stateDir = mkdtempSync(join(tmpdir(), 'joins-runtime-'))
  const first = new KafkaStreams(build(), config(backend, stateDir))
  await first.start()
  produce(backend, 'left', [
    ['a', 'a1', 100],
    ['b', 'b1', 100],
  ])
  await until(() => first.health().ready)
  await new Promise((r) => setTimeout(r, 100))
  await first.close()
  t.deepEqual(readAll(backend, 'out'), [])
  // After the restart, a right record within the window still finds a1, and b's window closes.
  const second = new KafkaStreams(build(), config(backend, mkdtempSync(join(tmpdir(), 'joins-runtime-'))))
  await second.start()
  produce(backend, 'right', [['a', 'x1', 105]])
  await until(() => readAll(backend, 'out').length >= 1)
  produce(backend, 'left', [['b', 'b2', 200]])
  await until(() => readAll(backend, 'out').length >= 2)
  await second.close()
  t.deepEqual(readAll(backend, 'out'), ['a=a1+x1', 'b=b1+null'])
})

test('a foreign-key join runs across partitions through its subscription and response topics', async (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.table<string, string>('orders')
    .join(
      b.table<string, string>('customers'),
      (v) => v.split(':')[0] ?? null,
      (order, customer) => `${order}@${customer}`,
      undefined,
      { partitions: 2 },
    )
    .toStream()
    .to('out')
  const backend = backendWith(['orders', 'customers', 'out'])
  const streams = new KafkaStreams(b.build(), config(backend, mkdtempSync(join(tmpdir(), 'joins-runtime-'))))
  await streams.start()
  produce(backend, 'customers', [
    ['c1', 'Ann', 1],
    ['c2', 'Bob', 1],
    ['c3', 'Cy', 1],
  ])
  produce(backend, 'orders', [
    ['o1', 'c1:tea', 2],
    ['o2', 'c2:jam', 2],
    ['o3', 'c3:oil', 2],
    ['o4', 'c9:egg', 2],
  ])
  await until(() => readAll(backend, 'out').length >= 3)
  await streams.close()
  t.deepEqual(readAll(backend, 'out'), ['o1=c1:tea@Ann', 'o2=c2:jam@Bob', 'o3=c3:oil@Cy'])
})

test('a foreign-key join drops an answer computed for a value that has changed since', async (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.table<string, string>('orders')
    .join(
      b.table<string, string>('customers'),
      (v) => v.split(':')[0] ?? null,
      (order, customer) => `${order}@${customer}`,
      undefined,
      { partitions: 2 },
    )
    .toStream()
    .to('out')
  const backend = backendWith(['orders', 'customers', 'out'])
  produce(backend, 'customers', [
    ['c1', 'Ann', 1],
    ['c2', 'Bob', 1],
  ])
  // Both updates of o1 are read in one batch, before either answer comes back: the first answer
  // carries the hash of c1:tea, no longer o1's value, and must not reach the output.
  produce(backend, 'orders', [
    ['o1', 'c1:tea', 2],
    ['o1', 'c2:jam', 3],
  ])
  const streams = new KafkaStreams(b.build(), config(backend, mkdtempSync(join(tmpdir(), 'joins-runtime-'))))
  await streams.start()
  await until(() => readAll(backend, 'out').length >= 1)
  await new Promise((r) => setTimeout(r, 200))
  await streams.close()
  t.deepEqual(readAll(backend, 'out'), ['o1=c2:jam@Bob'])
})

test('a foreign-key join sizes its subscription and response topics by the tables they sit beside', async (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.table<string, string>('orders')
    .join(
      b.table<string, string>('customers'),
      (v) => v.split(':')[0] ?? null,
      (order, customer) => `${order}@${customer}`,
    )
    .toStream()
    .to('out')
  // Tables of different sizes, and no `partitions` given: the subscription topic is read beside the
  // customers (3 partitions), the response topic beside the orders (2).
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'orders', partitions: 2, config: {} })
  backend.broker.createTopic({ name: 'customers', partitions: 3, config: {} })
  backend.broker.createTopic({ name: 'out', partitions: 2, config: {} })
  const streams = new KafkaStreams(b.build(), config(backend, mkdtempSync(join(tmpdir(), 'joins-runtime-'))))
  await streams.start()
  const sized = (kind: string): number | undefined =>
    backend.broker.partitionCount(
      backend.broker.topicNames().find((n) => n.includes(kind) && n.endsWith('-topic')) ?? '',
    )
  t.is(sized('SUBSCRIPTION-REGISTRATION'), 3)
  t.is(sized('SUBSCRIPTION-RESPONSE'), 2)
  produce(backend, 'customers', [
    ['c1', 'Ann', 1],
    ['c2', 'Bob', 1],
    ['c3', 'Cy', 1],
  ])
  produce(backend, 'orders', [
    ['o1', 'c1:tea', 2],
    ['o2', 'c2:jam', 2],
    ['o3', 'c3:oil', 2],
  ])
  await until(() => readAll(backend, 'out').length >= 3)
  await streams.close()
  t.deepEqual(readAll(backend, 'out'), ['o1=c1:tea@Ann', 'o2=c2:jam@Bob', 'o3=c3:oil@Cy'])
})
