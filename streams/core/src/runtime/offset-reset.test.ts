import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { STREAMS_ERROR_CODES, type StreamsError } from '../errors.ts'
import { Topology } from '../topology/topology.ts'
import { KafkaStreams } from './kafka-streams.ts'

const S = Serdes.String()

function append(backend: MemoryBackend, topic: string, values: string[]): void {
  backend.broker.append(
    values.map((v) => ({ topic, key: Buffer.from('k'), value: Buffer.from(v), timestamp: 1, headers: {} })),
  )
}

function outputs(backend: MemoryBackend): string[] {
  const out: string[] = []
  for (let p = 0; p < 2; p++) {
    for (const r of backend.broker.fetch('out', p, 0, 1000, false).records)
      out.push(r.value?.toString() ?? '')
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

function app(backend: MemoryBackend, stateDir: string): KafkaStreams {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('old-news', { offsetResetPolicy: 'latest' }).to('out')
  b.stream<string, string>('history', { offsetResetPolicy: 'earliest' }).to('out')
  b.stream<string, string>('plain').to('out')
  return new KafkaStreams(b.build(), {
    applicationId: 'resets',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir,
    commitIntervalMs: 20,
    pollIntervalMs: 10,
  })
}

test("a source with offset reset 'latest' skips what its topics held before the first start; others read it all", async (t) => {
  const backend = new MemoryBackend()
  for (const name of ['old-news', 'history', 'plain', 'out']) {
    backend.broker.createTopic({ name, partitions: 2, config: {} })
  }
  append(backend, 'old-news', ['n1', 'n2'])
  append(backend, 'history', ['h1'])
  append(backend, 'plain', ['p1'])
  const stateDir = mkdtempSync(join(tmpdir(), 'resets-'))
  const first = app(backend, stateDir)
  await first.start()
  await until(() => outputs(backend).length === 2)
  append(backend, 'old-news', ['n3'])
  await until(() => outputs(backend).length === 3)
  t.deepEqual(outputs(backend), ['h1', 'n3', 'p1'])
  await first.close()
  // Committed now: a restart goes on from the committed offsets, whatever the policy.
  append(backend, 'old-news', ['n4'])
  const second = app(backend, stateDir)
  await second.start()
  await until(() => outputs(backend).length === 4)
  t.deepEqual(outputs(backend), ['h1', 'n3', 'n4', 'p1'])
  await second.close()
})

test('an unknown offset reset policy is refused when the source is added', (t) => {
  const error = t.throws(() => new Topology().addSource('src', ['t'], { offsetReset: 'middle' as never }))
  t.is((error as StreamsError).code, STREAMS_ERROR_CODES.INVALID_CONFIG)
})
