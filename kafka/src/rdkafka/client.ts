// librdkafka through node-rdkafka: loading the optional addon, the connection's settings, errors as
// KafkaErrors, and the callback API as promises.
import { createRequire } from 'node:module'
import type * as RdKafka from 'node-rdkafka'
import type { KafkaConnection } from '../connection.ts'
import { securityError } from '../auth-errors.ts'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'

export type RdKafkaModule = typeof RdKafka

let loaded: RdKafkaModule | undefined

/** node-rdkafka, loaded on first use: an optional dependency whose native build may not exist here. */
export function rdkafka(): RdKafkaModule {
  if (loaded !== undefined) return loaded
  try {
    loaded = createRequire(import.meta.url)('node-rdkafka') as RdKafkaModule
    return loaded
  } catch (error) {
    throw new KafkaError(
      KAFKA_ERROR_CODES.CLIENT_UNAVAILABLE,
      'node-rdkafka is not installed: its native build needs a C/C++ toolchain, Python and libssl-dev/libsasl2-dev ' +
        '(tools/stack/install-system.sh installs them), then npm ci builds it',
      { cause: error },
    )
  }
}

/** Whether the librdkafka backend can run on this machine. */
export function rdkafkaAvailable(): boolean {
  try {
    rdkafka()
    return true
  } catch {
    return false
  }
}

/** librdkafka's settings for a connection: brokers, TLS and SASL. */
export function rdkafkaConnection(connection: KafkaConnection): Record<string, string | number | boolean> {
  const { tls, sasl } = connection
  const protocol =
    sasl === undefined
      ? tls === undefined
        ? 'plaintext'
        : 'ssl'
      : tls === undefined
        ? 'sasl_plaintext'
        : 'sasl_ssl'
  return {
    'metadata.broker.list': connection.brokers.join(','),
    'security.protocol': protocol,
    ...(tls?.ca === undefined ? {} : { 'ssl.ca.pem': tls.ca }),
    ...(sasl === undefined
      ? {}
      : {
          'sasl.mechanisms': sasl.mechanism.toUpperCase(),
          'sasl.username': sasl.username,
          'sasl.password': sasl.password,
        }),
  }
}

// librdkafka error codes (rdkafka.h): negative ones are the client's own, positive ones the broker's.
// 53 (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) is a refusal, not fencing: see securityError().
const FENCED = new Set([-144 /* _FENCED */, 90 /* PRODUCER_FENCED */, 47 /* INVALID_PRODUCER_EPOCH */])
const REBALANCED = new Set([
  27 /* REBALANCE_IN_PROGRESS */, 22 /* ILLEGAL_GENERATION */, 25 /* UNKNOWN_MEMBER_ID */,
  82 /* FENCED_INSTANCE_ID */, -142 /* _ASSIGNMENT_LOST */,
])
/** Answers that mean "not yet": a fresh topic's metadata or leader, a coordinator loading, a timeout. */
const NOT_YET = new Set([
  3 /* UNKNOWN_TOPIC_OR_PART */, 5 /* LEADER_NOT_AVAILABLE */, 6 /* NOT_LEADER_FOR_PARTITION */,
  7 /* REQUEST_TIMED_OUT */, 14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */,
  16 /* NOT_COORDINATOR */, -185 /* _TIMED_OUT */, -188 /* _UNKNOWN_TOPIC */, -190 /* _UNKNOWN_PARTITION */,
  -187 /* _ALL_BROKERS_DOWN */,
])
/**
 * A broker that is away, as the client reports giving up on it: asking again later can help (the Java
 * client's TimeoutException and NetworkException are RetriableExceptions).
 */
const AWAY = new Set([-192 /* _MSG_TIMED_OUT */, -195 /* _TRANSPORT */])
export const TOPIC_ALREADY_EXISTS = 36

export function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : undefined
}

export function answeredNotYet(error: unknown): boolean {
  const code = codeOf(error)
  return code !== undefined && NOT_YET.has(code)
}

/** A librdkafka failure as a typed error naming what was asked: fenced, rebalanced, or a broker error. */
export function rdkafkaError(what: string, error: unknown): KafkaError {
  if (error instanceof KafkaError) return error
  const text = (error as { message?: string } | null)?.message ?? String(error)
  const message = `${what}: ${text}`
  // Delivery reports carry the broker's error as text only (code -1): fencing is known by its words.
  const code = codeOf(error) === -1 && /old epoch|fenced/i.test(text) ? 47 : codeOf(error)
  const refused = securityError(what, error, { code })
  if (refused !== undefined) return refused
  if (code !== undefined && FENCED.has(code))
    return new KafkaError(KAFKA_ERROR_CODES.FENCED, `${what}: fenced by a newer instance: ${message}`, {
      cause: error,
    })
  if (code !== undefined && REBALANCED.has(code))
    return new KafkaError(KAFKA_ERROR_CODES.REBALANCED, `${what}: the group has rebalanced: ${message}`, {
      cause: error,
    })
  const retriable =
    (error as { isRetriable?: unknown } | null)?.isRetriable === true ||
    (code !== undefined && (NOT_YET.has(code) || AWAY.has(code)))
  return new KafkaError(KAFKA_ERROR_CODES.BROKER, message, { cause: error, retriable })
}

/**
 * How long an awaited node-rdkafka call may go unanswered: longer than any timeout librdkafka is given
 * here (30 s at most), so it only ends a call whose callback never comes. librdkafka works on its own
 * threads, which keep nothing of Node's alive: without this bound a lost callback left a promise pending
 * with an empty event loop, and the process exited (or a test ended "never resolved") without a word.
 */
export const NATIVE_CALL_BOUND_MS = 60_000

/** librdkafka's "timed out" (-185): retriable, as a timeout is. */
function unanswered(boundMs: number): Error {
  return Object.assign(new Error(`librdkafka did not answer within ${boundMs} ms`), { code: -185 })
}

/**
 * A node-rdkafka callback call as a promise; a failure is a typed error naming `what`, and a callback
 * that has not come within `boundMs` a retriable timeout.
 */
export function call<T = void>(
  what: string,
  run: (done: (error: unknown, value?: T) => void) => void,
  boundMs = NATIVE_CALL_BOUND_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(rdkafkaError(what, unanswered(boundMs))), boundMs)
    try {
      run((error, value) => {
        clearTimeout(timer)
        if (error) reject(rdkafkaError(what, error))
        else resolve(value as T)
      })
    } catch (error) {
      clearTimeout(timer)
      reject(rdkafkaError(what, error))
    }
  })
}

/** librdkafka's log lines for refused credentials or certificates, which it only logs and retries. */
const REFUSED_LOG = /SASL authentication error|SSL handshake failed|certificate verify failed/

/**
 * Connects a client (producer or consumer). librdkafka reports a failed connect only by timing out (as a
 * "broker transport failure"); refused credentials or certificates show before that in its log (and as
 * error events), and fail the connect at once as what they are.
 */
export function connect(client: RdKafka.Client<never>, what: string, timeoutMs = 15_000): Promise<void> {
  const listeners: [string, (event: unknown) => void][] = []
  let timer: NodeJS.Timeout | undefined
  const refused = new Promise<never>((_, reject) => {
    const onError = (error: unknown): void => {
      const typed = securityError(what, error, { code: codeOf(error) })
      if (typed !== undefined) reject(typed)
    }
    const onLog = (log: unknown): void => {
      const message = (log as { message?: unknown } | null)?.message
      if (typeof message === 'string' && REFUSED_LOG.test(message))
        onError(Object.assign(new Error(message.replace(/^\[thrd:[^\]]*\]: /, '')), { code: -169 }))
    }
    listeners.push(['event.error', onError], ['event.log', onLog])
    for (const [event, listener] of listeners) client.on(event as never, listener as never)
    // librdkafka's own bound runs on its threads, which keep nothing of Node's alive: this one does,
    // and answers should librdkafka's callback never come.
    timer = setTimeout(
      () =>
        reject(
          rdkafkaError(
            what,
            Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: -185 }),
          ),
        ),
      timeoutMs + 5000,
    )
  })
  return Promise.race([
    call(what, (done) => client.connect({ timeout: timeoutMs }, (error) => done(error))),
    refused,
  ])
    .catch(async (error: unknown) => {
      // A refused connect returns before librdkafka gives up: left alone, the handle would go on
      // retrying on its threads for the life of the process.
      await disconnect(client)
      throw error
    })
    .finally(() => {
      clearTimeout(timer)
      for (const [event, listener] of listeners) client.removeListener(event, listener as never)
    })
}

/** How long a disconnect is waited for before the client is left to librdkafka. */
export const DISCONNECT_BOUND_MS = 15_000

/**
 * Disconnects a client; a producer flushes what it holds first (for at most 5 s). librdkafka's close
 * can wait forever (a consumer leaving a group in the middle of a join, say): after `boundMs` the client
 * is left to finish on its own threads, with a warning, and the caller goes on.
 */
export function disconnect(client: RdKafka.Client<never>, boundMs = DISCONNECT_BOUND_MS): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isConnected()) return resolve()
    const timer = setTimeout(() => {
      process.emitWarning(
        `a librdkafka client did not disconnect within ${boundMs} ms and was left to close`,
        {
          code: 'OXA_KAFKA_DISCONNECT',
        },
      )
      resolve()
    }, boundMs)
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    // The producer's disconnect takes a flush timeout first; the consumer's (the base client's) only a callback.
    if (client instanceof rdkafka().Producer) client.disconnect(5000, done)
    else (client.disconnect as (cb: () => void) => unknown)(done)
  })
}

function consumeNum(consumer: RdKafka.KafkaConsumer, max: number, timeoutMs: number, what: string) {
  consumer.setDefaultConsumeTimeout(timeoutMs)
  // Not bounded as call() is: a consume given up on could still take messages from librdkafka's queue,
  // which nothing would deliver. It waits on libuv's pool, which keeps the event loop alive meanwhile.
  return new Promise<RdKafka.Message[]>((resolve, reject) =>
    consumer.consume(max, (error, messages) =>
      error ? reject(rdkafkaError(what, error)) : resolve(messages),
    ),
  )
}

/** libuv's thread pool: UV_THREADPOOL_SIZE threads, read by Node when the pool first starts; 4 without it. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number(env.UV_THREADPOOL_SIZE)
  return Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4
}

let polling = 0
let warned = false

/**
 * Counts a loop that consumes (a member's poll loop, a reader's read): node-rdkafka's `consume` waits
 * on a thread of libuv's pool, so each such loop keeps one busy. With as many loops as threads, files,
 * DNS, crypto and the stores wait behind them: a platform of a dozen consumers on the default four took
 * seconds to answer a request. Warns once, naming the setting, when the loops reach the pool's size.
 * Returns what ends the loop's count.
 */
export function pollingLoop(): () => void {
  polling++
  if (!warned && polling >= threadPoolSize()) {
    warned = true
    process.emitWarning(
      `${polling} librdkafka consumers each wait on one of libuv's ${threadPoolSize()} pool threads, which ` +
        'leaves none for files, DNS, crypto and the stores: start Node with UV_THREADPOOL_SIZE set above ' +
        "the number of consumers (the platform's scripts and image set 64)",
      { code: 'OXA_KAFKA_THREAD_POOL' },
    )
  }
  let ended = false
  return () => {
    if (!ended) polling--
    ended = true
  }
}

/**
 * What the consumer has now, as Kafka's poll returns what its fetches brought: waits up to `waitMs` for
 * a first message, then takes those queued behind it, up to `max`. node-rdkafka's `consume(n)` waits its
 * timeout again after every message until it has `n`, so a steady trickle (a message every few
 * milliseconds) would hold a batch back for seconds; here the wait after the first is 1 ms.
 */
export async function consumeQueued(
  consumer: RdKafka.KafkaConsumer,
  max: number,
  waitMs: number,
  what: string,
): Promise<RdKafka.Message[]> {
  const first = await consumeNum(consumer, 1, waitMs, what)
  if (first.length === 0 || max <= 1) return first
  return [...first, ...(await consumeNum(consumer, max - 1, 1, what))]
}
