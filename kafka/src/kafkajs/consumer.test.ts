import test from 'ava'
import type { Kafka } from 'kafkajs'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { KafkaJsConsumer } from './consumer.ts'
import { unreachableKafka } from './unreachable-fixture.ts'

/** The little of a kafkajs consumer KafkaJsConsumer drives, with its events fired by the test. */
class FakeKafkaJs {
  readonly events = { REBALANCING: 'rebalancing', GROUP_JOIN: 'group_join', CRASH: 'crash', FETCH: 'fetch' }
  disconnects = 0
  private readonly listeners = new Map<string, (event: { payload: unknown }) => void>()
  on(event: string, listener: (event: { payload: unknown }) => void): void {
    this.listeners.set(event, listener)
  }
  emit(event: string, payload: unknown): void {
    this.listeners.get(event)?.({ payload })
  }
  /** The batch handler kafkajs was given: the test delivers batches through it. */
  eachBatch: ((payload: unknown) => Promise<void>) | undefined
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(options: { eachBatch: (payload: unknown) => Promise<void> }): Promise<void> {
    this.eachBatch = options.eachBatch
  }
  async disconnect(): Promise<void> {
    this.disconnects++
  }
}

function consumerOn(fake: FakeKafkaJs, heartbeatIntervalMs?: number): KafkaJsConsumer {
  return new KafkaJsConsumer({ consumer: () => fake } as unknown as Kafka, {
    groupId: 'g',
    readCommitted: true,
    sessionTimeoutMs: 30_000,
    ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
  })
}

/** A kafkajs batch payload of one record on t-0, counting the heartbeats asked of it. */
function payloadOf(heartbeats: number[]) {
  return {
    batch: {
      topic: 't',
      partition: 0,
      messages: [{ offset: '0', key: null, value: Buffer.from('v'), timestamp: '1', headers: {} }],
      lastOffset: () => '0',
      highWatermark: '1',
    },
    isStale: () => false,
    heartbeat: async () => void heartbeats.push(Date.now()),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const handlers = (failed: unknown[]) => ({
  onAssigned: async () => {},
  onRevoked: async () => {},
  eachBatch: async () => {},
  onFailed: (error: unknown) => void failed.push(error),
})

test('a crash that kafkajs restarts from after stop() is stopped again, so no member is left holding partitions', async (t) => {
  const fake = new FakeKafkaJs()
  const failed: unknown[] = []
  const consumer = consumerOn(fake)
  await consumer.run(['t'], handlers(failed))
  // stop() lands while kafkajs is crashing on a broker outage; it schedules its restart after the event.
  await consumer.stop()
  t.is(fake.disconnects, 1)
  fake.emit(fake.events.CRASH, { error: new Error('Connection error: connect ECONNREFUSED'), restart: true })
  await new Promise((r) => setImmediate(r))
  t.is(fake.disconnects, 2, 'disconnecting again clears the restart kafkajs just scheduled')
  t.deepEqual(failed, [], 'a stopped consumer reports no failure')
})

test('a crash kafkajs does not restart from fails the running consumer', async (t) => {
  const fake = new FakeKafkaJs()
  const failed: unknown[] = []
  await consumerOn(fake).run(['t'], handlers(failed))
  fake.emit(fake.events.CRASH, { error: new Error('Failed to find group coordinator'), restart: false })
  t.is(failed.length, 1)
  t.is(fake.disconnects, 0)
})

test('a seek kafkajs refuses while it restarts its crashed consumer is retriable; another refusal is not', async (t) => {
  const fake = new FakeKafkaJs()
  let refusal = 'Consumer group was not initialized, consumer#run must be called first'
  Object.assign(fake, {
    seek: () => {
      throw new Error(refusal)
    },
  })
  const consumer = consumerOn(fake)
  await consumer.run(['t'], handlers([]))
  const restarting = t.throws(() => consumer.seek({ topic: 't', partition: 1, offset: '7' }), {
    instanceOf: KafkaError,
  })
  t.is(restarting?.code, KAFKA_ERROR_CODES.BROKER)
  t.true(restarting?.retriable)
  t.regex(restarting?.message ?? '', /^seeking t-1 to 7: the consumer is restarting after a crash/)
  refusal = 'Invalid offset'
  const other = t.throws(() => consumer.seek({ topic: 't', partition: 1, offset: '7' }), {
    instanceOf: KafkaError,
  })
  t.false(other?.retriable)
})

test('an idle member whose fetches go unanswered says for how long; answered fetches and batches reset it', async (t) => {
  const fake = new FakeKafkaJs()
  const consumer = consumerOn(fake)
  t.is(consumer.unansweredFetchMs(), 0, 'not running: nothing to say')
  const start = Date.now()
  await consumer.run(['t'], handlers([]))
  // The broker is away: no fetch answers, and the member has no batch to work on.
  t.true(consumer.unansweredFetchMs(start + 6_000) >= 5_000)
  fake.emit(fake.events.FETCH, { duration: 100 })
  t.true(consumer.unansweredFetchMs(Date.now() + 50) < 1_000, 'a fetch was answered')
  // Working on a batch is not waiting on the broker, however long it takes.
  const working = fake.eachBatch?.({
    batch: { topic: 't', partition: 0, lastOffset: () => '0', messages: [] },
    isStale: () => true,
    heartbeat: async () => {},
  })
  t.is(consumer.unansweredFetchMs(Date.now() + 60_000), 0)
  await working
  t.true(consumer.unansweredFetchMs(Date.now() + 50) < 1_000, 'the batch ended just now')
  await consumer.stop()
  t.is(consumer.unansweredFetchMs(Date.now() + 60_000), 0, 'stopped: nothing to say')
})

test('a member that cannot reach the broker says so with a typed, retriable broker error, never a raw kafkajs one', async (t) => {
  const kafka = unreachableKafka()
  const consumer = new KafkaJsConsumer(kafka, { groupId: 'g', readCommitted: true, sessionTimeoutMs: 30_000 })
  const committed = await t.throwsAsync(consumer.committed([{ topic: 't', partition: 0 }]), {
    instanceOf: KafkaError,
  })
  t.is(committed?.code, KAFKA_ERROR_CODES.BROKER)
  t.true(committed?.retriable, 'asking again once the broker is back can help')
  t.regex(committed?.message ?? '', /^connecting to read the committed offsets of g: /)
  const joining = await t.throwsAsync(consumer.run(['t'], handlers([])), { instanceOf: KafkaError })
  t.is(joining?.code, KAFKA_ERROR_CODES.BROKER)
  t.true(joining?.retriable)
  await consumer.stop()
})

test('kafkajs is asked for heartbeats while a batch waits for its assignment and while the application works on it', async (t) => {
  const fake = new FakeKafkaJs()
  const heartbeats: number[] = []
  let restored = 0
  let handed = 0
  let handledAt = 0
  let intervalMs: number | undefined
  await consumerOn(fake, 20).run(['t'], {
    ...handlers([]),
    // A restore, then a batch, each longer than several heartbeat intervals.
    onAssigned: async () => {
      await sleep(150)
      restored = heartbeats.length
    },
    eachBatch: async (batch) => {
      intervalMs = batch.heartbeatIntervalMs
      handed = heartbeats.length
      await sleep(150)
      handledAt = heartbeats.length
    },
  })
  fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [0] } })
  await fake.eachBatch!(payloadOf(heartbeats))
  t.true(restored >= 3, `heartbeats while the batch waited for the restore: ${restored}`)
  t.true(handledAt - handed >= 3, `heartbeats while the application worked: ${handledAt - handed}`)
  const after = heartbeats.length
  await sleep(60)
  t.is(heartbeats.length, after, 'none once the batch is done: kafkajs heartbeats itself between batches')
  t.is(intervalMs, 20, 'the batch says how often to heartbeat during work that holds the event loop')
})

test("a batch's heartbeat goes quiet once kafkajs crashed out of its run: the old member it speaks for must not be kept in the group", async (t) => {
  const fake = new FakeKafkaJs()
  const heartbeats: number[] = []
  let heartbeat: (() => Promise<void>) | undefined
  let working: (() => void) | undefined
  await consumerOn(fake, 20).run(['t'], {
    ...handlers([]),
    eachBatch: (batch) => {
      heartbeat = batch.heartbeat
      return new Promise<void>((resolve) => (working = resolve))
    },
  })
  fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [0] } })
  const delivered = fake.eachBatch!(payloadOf(heartbeats))
  await sleep(70)
  t.true(heartbeats.length >= 2, `heartbeats while the batch is worked on: ${heartbeats.length}`)
  await heartbeat!()
  const before = heartbeats.length
  t.true(before >= 3, 'asked through the batch, it heartbeats')
  // The broker went away; kafkajs gives up on this run and will start a new member once it is back.
  fake.emit(fake.events.CRASH, { error: new Error('Connection error: connect ECONNREFUSED'), restart: true })
  await sleep(70)
  await heartbeat!()
  t.is(heartbeats.length, before, "neither the batch's timer nor a pacer asking through it heartbeats")
  working!()
  await delivered
})

test('a member in a rebalance that has not ended in a join counts as unanswered, however many fetches are answered meanwhile', async (t) => {
  const fake = new FakeKafkaJs()
  const consumer = consumerOn(fake)
  await consumer.run(['t'], handlers([]))
  fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [0] } })
  const start = Date.now()
  fake.emit(fake.events.REBALANCING, {})
  // kafkajs fetching again without the join (what its runner did after a join met a loading coordinator).
  fake.emit(fake.events.FETCH, { duration: 100 })
  t.true(consumer.unansweredFetchMs(start + 6_000) >= 5_000, 'nothing it fetches reaches the application')
  fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [0] } })
  fake.emit(fake.events.FETCH, { duration: 100 })
  t.true(consumer.unansweredFetchMs(Date.now() + 50) < 1_000, 'joined, and a fetch answered')
  await consumer.stop()
})
