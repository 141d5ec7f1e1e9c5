import { logLevel as kafkaLogLevel, type KafkaConfig, type SASLOptions } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaConnection } from '../connection.ts'

/** kafkajs' settings for a connection: brokers, TLS and SASL. */
export function kafkaJsConnection(
  connection: KafkaConnection,
): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const { tls, sasl } = connection
  return {
    brokers: [...connection.brokers],
    ...(tls === undefined ? {} : { ssl: tls.ca === undefined ? true : { ca: [tls.ca] } }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as SASLOptions }),
  }
}

/**
 * How kafkajs' producers and admin clients retry. Java's clients back off at most 1 s between tries
 * (retry.backoff.max.ms); kafkajs doubles its backoff up to 30 s by default, so a send caught by a
 * broker outage retried 12 s after the one before it, and a stream thread waited up to that long after
 * the broker came back (measured: ready 15.9 s after a 10 s outage, its send failing 15 s after the
 * broker was back). Capped at 1 s, 30 tries still take about as long as kafkajs' 10 did (~25 s) before a
 * send fails its caller. kafkajs waits `initialRetryTime` before retrying CONCURRENT_TRANSACTIONS, which
 * every exactly-once commit meets when the next transaction starts: 25 ms instead of 300 ms took the
 * benchmark's p99 from ~310 ms to ~40 ms.
 */
export const CLIENT_RETRY = { initialRetryTime: 25, maxRetryTime: 1_000, retries: 30 } as const

/**
 * kafkajs warns that bounded retries on an idempotent producer "may invalidate EoS guarantees": after
 * giving up on a batch whose fate is unknown, a producer that went on sending could write it twice.
 * Ours never goes on: a send that exhausts its retries fails its caller. Under exactly-once the task's
 * transaction is then aborted, so nothing it sent becomes visible; under at-least-once the offsets are
 * not committed and the records are sent again, which at-least-once allows. Unbounded retries (kafkajs'
 * default) would instead leave an application retrying forever through an outage while its health says
 * RUNNING. The warning is answered here, so it is not repeated at every start.
 */
export const ANSWERED_WARNINGS: readonly string[] = [
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]

/**
 * kafkajs' log lines into a pino logger: its errors are mostly retried, so they land as warnings; with
 * no logger it says nothing (errors reach the caller as typed errors anyway).
 */
export function kafkaJsLogging(logger: Logger | undefined): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  return {
    logLevel: logger === undefined ? kafkaLogLevel.NOTHING : kafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log
      if (ANSWERED_WARNINGS.includes(message)) return
      if (entry.level <= kafkaLogLevel.WARN)
        logger?.warn({ kafkajs: rest, namespace: entry.namespace }, message)
      else logger?.debug({ kafkajs: rest, namespace: entry.namespace }, message)
    },
  }
}
