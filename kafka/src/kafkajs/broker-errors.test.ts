import test from 'ava'
import kafkajs from 'kafkajs'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { askAgain, brokerError } from './broker-errors.ts'

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM cannot name.
const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs

/** A broker answer as kafkajs raises it. */
const answer = (type: string, retriable = true): Error =>
  new KafkaJSProtocolError({ message: `${type} answer`, type, code: 0, retriable } as never)

/** A broker call failing with each of `failures` in turn (with `forever`, with the first every time), then answering. */
function brokerCall(failures: Error[], { forever = false } = {}) {
  let calls = 0
  return {
    calls: () => calls,
    call: async (): Promise<string> => {
      calls++
      const failure = forever ? failures[0] : failures.shift()
      if (failure !== undefined) throw failure
      return 'ends'
    },
  }
}

test('a fresh topic whose leader is not taken up yet is asked again until the broker answers', async (t) => {
  const broker = brokerCall([answer('NOT_LEADER_FOR_PARTITION'), answer('LEADER_NOT_AVAILABLE')])
  t.is(await askAgain('reading the end offsets of t', broker.call, { pauseMs: 1 }), 'ends')
  t.is(broker.calls(), 3)
})

test('a group coordinator still loading its offsets is asked again', async (t) => {
  const broker = brokerCall([answer('GROUP_LOAD_IN_PROGRESS'), answer('NOT_COORDINATOR_FOR_GROUP')])
  t.is(await askAgain('reading the committed offsets of g', broker.call, { pauseMs: 1 }), 'ends')
  t.is(broker.calls(), 3)
})

test('a "not yet" past the bound is a typed broker error naming what was asked', async (t) => {
  const broker = brokerCall([answer('NOT_LEADER_FOR_PARTITION')], { forever: true })
  const error = await t.throwsAsync(
    askAgain('reading the end offsets of t', broker.call, { boundMs: 1000, pauseMs: 5 }),
    { instanceOf: KafkaError },
  )
  t.is(error.code, KAFKA_ERROR_CODES.BROKER)
  t.regex(error.message, /^reading the end offsets of t: NOT_LEADER_FOR_PARTITION answer/)
  t.true(broker.calls() > 1)
})

test('any other failure is not asked again', async (t) => {
  for (const failure of [answer('TOPIC_AUTHORIZATION_FAILED', false), new Error('socket closed')]) {
    const broker = brokerCall([failure])
    const error = await t.throwsAsync(askAgain('listing topics', broker.call, { pauseMs: 1 }), {
      instanceOf: KafkaError,
    })
    t.is(broker.calls(), 1)
    t.true(error.message.startsWith('listing topics: '))
  }
})

test("a caller's own notYet decides which failures are asked again", async (t) => {
  const broker = brokerCall([new Error('topic still being created'), new Error('topic still being created')])
  t.is(await askAgain('creating topics', broker.call, { pauseMs: 1, notYet: () => true }), 'ends')
  t.is(broker.calls(), 3)
})

test('broker errors are classified through kafkajs retry wrappers: fenced, migrated, or broker', (t) => {
  // As kafkajs' retrier wraps what it gives up on (its typings omit the second argument).
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error
  const wrapped = (type: string): Error => new Wrapper(answer(type), { cause: answer(type) })
  t.is(brokerError('committing', wrapped('PRODUCER_FENCED')).code, KAFKA_ERROR_CODES.FENCED)
  t.is(brokerError('committing', wrapped('REBALANCE_IN_PROGRESS')).code, KAFKA_ERROR_CODES.REBALANCED)
  const broker = brokerError('producing', answer('NOT_LEADER_FOR_PARTITION'))
  t.is(broker.code, KAFKA_ERROR_CODES.BROKER)
  t.true(broker.retriable)
})

test('a broker out of reach is retriable although kafkajs gave up on it or calls it final', (t) => {
  const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSGroupCoordinatorNotFound } = kafkajs
  const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19400')
  const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 10, retryTime: 12_800 })
  t.false(exhausted.retriable, 'kafkajs itself calls it final')
  const committing = brokerError('committing offsets', exhausted)
  t.is(committing.code, KAFKA_ERROR_CODES.BROKER)
  t.true(committing.retriable)
  // An outer retrier wraps the exhausted one again, as a plain final error of the same cause.
  // (kafkajs' declarations leave out the cause argument its retrier passes.)
  const Final = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error
  const rewrapped = new Final(exhausted, { cause: refused })
  t.true(brokerError('committing offsets', rewrapped).retriable)
  t.regex(committing.message, /^committing offsets: Connection error: connect ECONNREFUSED/)
  t.true(
    brokerError(
      'joining',
      new (KafkaJSGroupCoordinatorNotFound as unknown as new (m: string) => Error)(
        'Failed to find group coordinator',
      ),
    ).retriable,
  )
})

test('retries that ran out on a final cause, or a final failure, stay final', (t) => {
  const final = new KafkaJSNonRetriableError('Invalid offset')
  const { KafkaJSNumberOfRetriesExceeded } = kafkajs
  t.false(brokerError('committing offsets', final).retriable)
  t.false(
    brokerError(
      'committing offsets',
      new KafkaJSNumberOfRetriesExceeded(final, { retryCount: 1, retryTime: 1 }),
    ).retriable,
  )
})

test('a broker that is away is retriable, also once kafkajs gave up retrying or found no coordinator', (t) => {
  const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSGroupCoordinatorNotFound } = kafkajs
  const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')
  const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 10, retryTime: 1000 } as never)
  t.false(exhausted.retriable)
  const producing = brokerError('producing', exhausted)
  t.is(producing.code, KAFKA_ERROR_CODES.BROKER)
  t.true(producing.retriable)
  t.regex(producing.message, /^producing: Connection error: connect ECONNREFUSED/)
  const NoCoordinator = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error
  t.true(brokerError('consuming', new NoCoordinator('Failed to find group coordinator')).retriable)
  // A refusal kafkajs gave up on stays final.
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error
  const tooLarge = answer('MESSAGE_TOO_LARGE', false)
  t.false(brokerError('producing', new Wrapper(tooLarge, { cause: tooLarge })).retriable)
})
