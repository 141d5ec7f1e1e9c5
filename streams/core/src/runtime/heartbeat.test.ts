import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes, type BackendConsumer, type ConsumerOptions } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { until } from './integration-fixtures.ts'

const S = Serdes.String()
const HEARTBEAT_INTERVAL_MS = 20
const RECORDS = 100
const WORK_PER_RECORD_MS = 3

/**
 * The memory broker with batches that ask, as kafkajs' do, for a heartbeat every 20 ms of long work;
 * it counts the heartbeats asked while the application still had a batch in hand.
 */
class HeartbeatBackend extends MemoryBackend {
  duringBatch = 0

  override consumer(options: ConsumerOptions): BackendConsumer {
    const consumer = super.consumer(options)
    const run = consumer.run.bind(consumer)
    consumer.run = (topics, handlers) =>
      run(topics, {
        ...handlers,
        eachBatch: async (batch) => {
          let working = true
          try {
            await handlers.eachBatch({
              ...batch,
              heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
              heartbeat: async () => {
                if (working) this.duringBatch++
              },
            })
          } finally {
            working = false
          }
        },
      })
    return consumer
  }
}

/** Holds the event loop, as a costly record (a big aggregate, a slow serde) does. */
function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

test('a thread processing a long batch with no await between records asks its consumer for heartbeats', async (t) => {
  const backend = new HeartbeatBackend()
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 1, config: {} })
  backend.broker.append(
    Array.from({ length: RECORDS }, (_, i) => ({
      topic: 'in',
      key: Buffer.from(`k${i}`),
      value: Buffer.from('v'),
      timestamp: i,
      headers: {},
    })),
  )
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  let processed = 0
  b.stream<string, string>('in')
    .peek(() => {
      busy(WORK_PER_RECORD_MS)
      processed++
    })
    .to('out')
  const streams = new KafkaStreams(b.build(), {
    applicationId: 'heartbeats',
    backend,
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'streams-heartbeat-')),
  })
  await streams.start()
  try {
    await until(() => processed === RECORDS)
  } finally {
    await streams.close()
  }
  // 300 ms of processing in one batch: a heartbeat every 20 ms of it, give or take a loaded machine.
  const expected = (RECORDS * WORK_PER_RECORD_MS) / HEARTBEAT_INTERVAL_MS
  t.true(backend.duringBatch >= expected / 2, `${backend.duringBatch} heartbeats during the batch`)
})
