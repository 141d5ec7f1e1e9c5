import { Kafka, logLevel } from 'kafkajs'

/** A real kafkajs client pointed at a port nothing listens on: the broker away, for tests. */
export function unreachableKafka(): Kafka {
  return new Kafka({
    clientId: 'unreachable',
    brokers: ['127.0.0.1:1'],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 500,
  })
}
