import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'
import { KafkaJsBackend, type KafkaJsBackendOptions } from './kafkajs/backend.ts'
import { RdKafkaBackend } from './rdkafka/backend.ts'
import { rdkafkaAvailable } from './rdkafka/client.ts'
import type { KafkaBackend } from './types.ts'

/** The Kafka clients a backend can be built on. */
export const KAFKA_CLIENTS = ['kafkajs', 'rdkafka'] as const
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number]

/**
 * The client a process runs on when KAFKA_CLIENT is unset. kafkajs, by measurement (kafka/README.md,
 * "Which client by default"): pure JavaScript, so it runs in stream threads (node-rdkafka's addon does
 * not load in a worker) and needs no native build.
 */
export const DEFAULT_KAFKA_CLIENT: KafkaClientName = 'kafkajs'

export function isKafkaClientName(value: string): value is KafkaClientName {
  return (KAFKA_CLIENTS as readonly string[]).includes(value)
}

/** The clients that can run on this machine (node-rdkafka is optional: its native build may be missing). */
export function availableKafkaClients(): KafkaClientName[] {
  return KAFKA_CLIENTS.filter((client) => client !== 'rdkafka' || rdkafkaAvailable())
}

/** A backend on the named client, with the same options whichever it is. */
export function createKafkaBackend(client: KafkaClientName, options: KafkaJsBackendOptions): KafkaBackend {
  switch (client) {
    case 'kafkajs':
      return new KafkaJsBackend(options)
    case 'rdkafka':
      return new RdKafkaBackend(options)
    default: {
      const never: never = client
      throw new KafkaError(KAFKA_ERROR_CODES.INVALID_CONFIG, `unknown Kafka client ${String(never)}`)
    }
  }
}
