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
