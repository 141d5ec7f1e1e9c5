import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { pino } from 'pino'
import { HEARTBEAT_INTERVAL_MS, KafkaJsBackend } from '@oxagry/kafka'
import {
  countTopology,
  consumeAll,
  createTopics,
  pings,
  produce,
  testBackend,
} from './integration-fixtures.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
const kafka = testBackend(brokers)
test.after(() => kafka.close())

/** The broker's smallest session timeout by default (group.min.session.timeout.ms). */
const SESSION_TIMEOUT_MS = 6_000
const RECORDS = 40
/** 40 records of 200 ms each, processed with no await between them: 8 s, past the session timeout. */
const WORK_PER_RECORD_MS = 200

/** Holds the event loop, as a costly record (a big aggregate, a slow serde) does. */
function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

test('kafkajs: a thread that holds the event loop through a batch longer than its session keeps its task', async (t) => {
  const id = randomUUID().slice(0, 8)
  const [app, input, output] = [`it-hb-${id}`, `it-hb-${id}-in`, `it-hb-${id}-out`]
  await createTopics(kafka, [
    { name: input, partitions: 1 },
    { name: output, partitions: 1 },
  ])
  await produce(kafka, input, pings(RECORDS, 1))
  const streams = new KafkaStreams(
    countTopology(input, output, () => busy(WORK_PER_RECORD_MS)),
    {
      applicationId: app,
      backend: new KafkaJsBackend({ brokers, clientId: app, sessionTimeoutMs: SESSION_TIMEOUT_MS }),
      // A commit right after the batch: a member the group dropped meanwhile is refused it.
      commitIntervalMs: 100,
      stateDir: mkdtempSync(join(tmpdir(), 'streams-heartbeat-')),
      logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    },
  )
  const states: StreamsState[] = []
  streams.onStateChange((state) => states.push(state))
  await streams.start()
  try {
    const counts = await consumeAll(kafka, output, (records) => records.length >= RECORDS, {
      timeoutMs: 60_000,
    })
    t.is(counts.length, RECORDS)
    const group = kafka.consumer({ groupId: app, clientId: `${app}-inspector`, readCommitted: false })
    await eventually(
      async () =>
        (await group.committed([{ topic: input, partition: 0 }])).get(`${input}:0`) === String(RECORDS)
          ? true
          : undefined,
      { what: 'the commit after the batch', timeoutMs: 30_000 },
    )
    // kafkajs learns that the group dropped it at its next heartbeat: one interval and a little more.
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_INTERVAL_MS + 1_000))
    const running = states.indexOf(StreamsState.RUNNING)
    t.deepEqual(states.slice(running), [StreamsState.RUNNING], 'no rebalance once it ran')
  } finally {
    await streams.close()
  }
})
