import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes, type BackendProducer, type ProducerOptions } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import type { StreamsConfig } from './config.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'

const S = Serdes.String()
const L = Serdes.Long()

/** A memory backend naming its transactional producers per thread, recording what it was asked for. */
class PerThreadBackend extends MemoryBackend {
  readonly producers: ProducerOptions[] = []
  constructor() {
    super(undefined, { transactionalIds: 'per-thread' })
    for (const name of ['in', 'out']) this.broker.createTopic({ name, partitions: 3, config: {} })
  }
  override async producer(options: ProducerOptions): Promise<BackendProducer> {
    this.producers.push(options)
    return super.producer(options)
  }
}

function counts(): ReturnType<StreamsBuilder['build']> {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { valueSerde: L as never })
  return b.build()
}

function produce(backend: MemoryBackend, keys: string[], from: number): void {
  backend.broker.append(
    keys.map((k, i) => ({
      topic: 'in',
      key: Buffer.from(k),
      value: Buffer.from('x'),
      timestamp: from + i,
      headers: {},
    })),
  )
}

/** Every count written, committed or not, per key in offset order. */
function outputs(backend: MemoryBackend, readCommitted: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (let p = 0; p < 3; p++) {
    for (const r of backend.broker.fetch('out', p, 0, 1_000_000, readCommitted).records) {
      const key = r.key?.toString() ?? ''
      out.set(key, [...(out.get(key) ?? []), Number(L.deserialize('out', r.value as Buffer, {}))])
    }
  }
  return out
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function config(backend: MemoryBackend, stateDir: string, commitIntervalMs: number): StreamsConfig {
  return {
    applicationId: 'per-thread',
    backend,
    processingGuarantee: 'exactly_once',
    logger: pino({ level: 'silent' }),
    stateDir,
    commitIntervalMs,
    pollIntervalMs: 10,
  }
}

const transactional = (backend: PerThreadBackend): string[] =>
  backend.producers.flatMap((p) => (p.transactionalId === undefined ? [] : [p.transactionalId]))

test('per thread: every task of the instance commits through one transactional producer, <applicationId>-<processId>-1', async (t) => {
  const backend = new PerThreadBackend()
  const streams = new KafkaStreams(counts(), config(backend, mkdtempSync(join(tmpdir(), 'eos-')), 20))
  await streams.start()
  produce(backend, ['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c'], 1)
  await until(() => [...outputs(backend, true).values()].flat().length === 8)
  t.is(streams.taskIds.length, 3)
  await streams.close()
  const ids = transactional(backend)
  t.is(ids.length, 1, 'one transactional producer for three tasks')
  t.regex(ids[0] ?? '', /^per-thread-[0-9a-f-]{36}-1$/)
  const committed = outputs(backend, true)
  t.deepEqual(committed.get('a'), [1, 2])
  t.deepEqual(committed.get('e'), [1])
})

test("per thread: a crash before the commit aborts every task's work at once; the restart claims the same transactional id and counts nothing twice", async (t) => {
  const backend = new PerThreadBackend()
  const stateDir = mkdtempSync(join(tmpdir(), 'eos-'))
  const first = new KafkaStreams(counts(), config(backend, stateDir, 1_000_000))
  await first.start()
  produce(backend, ['a', 'b', 'c', 'a'], 1)
  await until(() => [...outputs(backend, false).values()].flat().length === 4)
  t.is([...outputs(backend, true).values()].flat().length, 0, 'nothing committed yet')
  await (first as unknown as { shutdown(clean: boolean): Promise<void> }).shutdown(false)
  const second = new KafkaStreams(counts(), config(backend, stateDir, 20))
  await second.start()
  produce(backend, ['a'], 10)
  await until(() => (outputs(backend, true).get('a') ?? []).length === 3)
  t.is(second.state, StreamsState.RUNNING)
  await second.close()
  const [before, after] = transactional(backend)
  t.is(before, after, 'the restarted instance fences its previous run by the same id')
  const committed = outputs(backend, true)
  t.deepEqual(committed.get('a'), [1, 2, 3])
  t.deepEqual(committed.get('b'), [1])
  t.deepEqual(committed.get('c'), [1])
})
