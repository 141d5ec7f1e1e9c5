import test from 'ava'
import kafkajs from 'kafkajs'
import { STREAMS_ERROR_CODES, StreamsError } from '../../errors.ts'
import { askAgain, brokerError } from './broker-errors.ts'

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM cannot name.
const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs

/** A broker answer as kafkajs raises it. */
const answer = (type: string, retriable = true): Error =>
  new KafkaJSProtocolError({ message: `${type} answer`, type, code: 0, retriable } as never)

test('a fresh topic whose leader is not taken up yet is asked again until the broker answers', async (t) => {
  const answers = [answer('NOT_LEADER_FOR_PARTITION'), answer('LEADER_NOT_AVAILABLE')]
  let calls = 0
  const result = await askAgain(
    'reading the end offsets of t',
    async () => {
      calls++
      const next = answers.shift()
      if (next !== undefined) throw next
      return 'ends'
    },
    { pauseMs: 1 },
  )
  t.is(result, 'ends')
  t.is(calls, 3)
})

test('a "not yet" past the bound is a typed broker error naming what was asked', async (t) => {
  let calls = 0
  const error = await t.throwsAsync(
    askAgain(
      'reading the end offsets of t',
      async () => {
        calls++
        throw answer('NOT_LEADER_FOR_PARTITION')
      },
      { boundMs: 30, pauseMs: 5 },
    ),
    { instanceOf: StreamsError },
  )
  t.is(error.code, STREAMS_ERROR_CODES.BROKER)
  t.regex(error.message, /^reading the end offsets of t: NOT_LEADER_FOR_PARTITION answer/)
  t.true(calls > 1)
})

test('any other failure is not asked again', async (t) => {
  for (const failure of [answer('TOPIC_AUTHORIZATION_FAILED', false), new Error('socket closed')]) {
    let calls = 0
    const error = await t.throwsAsync(
      askAgain(
        'listing topics',
        async () => {
          calls++
          throw failure
        },
        { pauseMs: 1 },
      ),
      { instanceOf: StreamsError },
    )
    t.is(calls, 1)
    t.true(error.message.startsWith('listing topics: '))
  }
})

test('broker errors are classified through kafkajs retry wrappers: fenced, migrated, or broker', (t) => {
  // As kafkajs' retrier wraps what it gives up on (its typings omit the second argument).
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error
  const wrapped = (type: string): Error => new Wrapper(answer(type), { cause: answer(type) })
  t.is(brokerError('committing', wrapped('PRODUCER_FENCED')).code, STREAMS_ERROR_CODES.FENCED)
  t.is(brokerError('committing', wrapped('REBALANCE_IN_PROGRESS')).code, STREAMS_ERROR_CODES.TASK_MIGRATED)
  const broker = brokerError('producing', answer('NOT_LEADER_FOR_PARTITION'))
  t.is(broker.code, STREAMS_ERROR_CODES.BROKER)
  t.true(broker.retriable)
})
