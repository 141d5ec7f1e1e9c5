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
 * kafkajs' log lines into a pino logger: its errors are mostly retried, so they land as warnings; with
 * no logger it says nothing (errors reach the caller as typed errors anyway).
 */
export function kafkaJsLogging(logger: Logger | undefined): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  return {
    logLevel: logger === undefined ? kafkaLogLevel.NOTHING : kafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log
      if (entry.level <= kafkaLogLevel.WARN)
        logger?.warn({ kafkajs: rest, namespace: entry.namespace }, message)
      else logger?.debug({ kafkajs: rest, namespace: entry.namespace }, message)
    },
  }
}
