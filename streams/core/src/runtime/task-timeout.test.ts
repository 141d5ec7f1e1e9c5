import test from 'ava'
import { KAFKA_ERROR_CODES, KafkaError, MemoryBackend } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { resolveConfig } from './config.ts'
import { isTransient, TaskTimeout } from './task-timeout.ts'

const away = new KafkaError(KAFKA_ERROR_CODES.BROKER, 'producing: Connection error: connect ECONNREFUSED', {
  retriable: true,
})

test('only a retriable broker error is transient: fencing, rebalances and refusals are not', (t) => {
  t.true(isTransient(away))
  t.false(isTransient(new KafkaError(KAFKA_ERROR_CODES.BROKER, 'producing: MESSAGE_TOO_LARGE')))
  t.false(isTransient(new KafkaError(KAFKA_ERROR_CODES.FENCED, 'fenced', { retriable: true })))
  t.false(isTransient(new KafkaError(KAFKA_ERROR_CODES.NOT_AUTHORIZED, 'no ACL')))
  t.false(isTransient(new StreamsError(STREAMS_ERROR_CODES.PROCESSING, 'boom', { retriable: true })))
  t.false(isTransient(new Error('ECONNREFUSED')))
})

test('the backoff doubles up to its cap, and progress starts it over', (t) => {
  const timeout = new TaskTimeout({ taskTimeoutMs: 60_000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 })
  t.false(timeout.failing)
  t.deepEqual(
    [0, 1, 2, 3, 4, 5].map((i) => timeout.failed(away, i)),
    [100, 200, 400, 800, 1000, 1000],
  )
  t.true(timeout.failing)
  timeout.progressed()
  t.false(timeout.failing)
  t.is(timeout.failed(away, 10), 100)
})

test('past taskTimeoutMs without progress a transient error is fatal, naming the wait and the cause', (t) => {
  const timeout = new TaskTimeout({ taskTimeoutMs: 1000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 })
  timeout.failed(away, 5000)
  timeout.failed(away, 5999)
  const error = t.throws(() => timeout.failed(away, 6000), { instanceOf: StreamsError })
  t.is(error.code, STREAMS_ERROR_CODES.TASK_TIMEOUT)
  t.is(error.cause, away)
  t.regex(error.message, /^no progress for 1000 ms \(taskTimeoutMs 1000\): producing: Connection error/)
  // 0 fails at the first transient error, as Kafka's task.timeout.ms=0.
  t.throws(
    () => new TaskTimeout({ taskTimeoutMs: 0, retryBackoffMs: 1, retryBackoffMaxMs: 1 }).failed(away),
    {
      instanceOf: StreamsError,
    },
  )
})

test('a backoff cap below the first backoff is refused naming both options', (t) => {
  const error = t.throws(
    () =>
      resolveConfig(
        { applicationId: 'a', backend: new MemoryBackend(), retryBackoffMs: 500, retryBackoffMaxMs: 100 },
        '/tmp',
      ),
    { instanceOf: StreamsError },
  )
  t.is(error.code, STREAMS_ERROR_CODES.INVALID_CONFIG)
  t.regex(error.message, /\/config\/retryBackoffMaxMs 100 is below \/config\/retryBackoffMs 500/)
  const resolved = resolveConfig({ applicationId: 'a', backend: new MemoryBackend() }, '/tmp')
  t.is(resolved.taskTimeoutMs, 300_000)
  t.is(resolved.retryBackoffMs, 100)
  t.is(resolved.retryBackoffMaxMs, 1000)
  t.is(resolved.stalledAfterMs, 5000)
})
