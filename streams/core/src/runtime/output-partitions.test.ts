import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, partitionForKey, Serdes, type ProducedRecord } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { KafkaStreams } from './kafka-streams.ts'

const S = Serdes.String()

test('keyed records to an output topic that exists at start carry the partition Java murmur2 gives them', async (t) => {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'in', partitions: 2, config: {} })
  backend.broker.createTopic({ name: 'out', partitions: 5, config: {} })
  // What the runtime hands its producers, as sent.
  const sent: ProducedRecord[] = []
  const producer = backend.producer.bind(backend)
  backend.producer = async (options) => {
    const inner = await producer(options)
    const send = inner.send.bind(inner)
    inner.send = (records) => {
      sent.push(...records)
      return send(records)
    }
    return inner
  }
  const builder = new StreamsBuilder({ defaultKeySerde: S, defaultValueSerde: S })
  const input = builder.stream<string, string>('in')
  input.mapValues((v) => v.toUpperCase()).to('out')
  // An output topic missing at start does not stop the application: its records are the client's to place.
  input.filter(() => false).to('created-later')
  const streams = new KafkaStreams(builder.build(), {
    applicationId: 'output-partitions',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'output-partitions-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
  })
  const keys = Array.from({ length: 40 }, (_, i) => `machine-${i}`)
  backend.broker.append(
    keys.map((k, i) => ({
      topic: 'in',
      key: Buffer.from(k),
      value: Buffer.from('x'),
      timestamp: i,
      headers: {},
    })),
  )
  await streams.start()
  try {
    const out = await eventually(
      async () => {
        const records = sent.filter((r) => r.topic === 'out')
        return records.length === keys.length ? records : undefined
      },
      { timeoutMs: 10_000, what: 'every record sent to out' },
    )
    for (const r of out) t.is(r.partition, partitionForKey(r.key as Buffer, 5), String(r.key))
    t.true(new Set(out.map((r) => r.partition)).size > 1)
  } finally {
    await streams.close()
    await backend.close()
  }
})
