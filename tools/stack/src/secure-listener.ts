import { join } from 'node:path'
import { HOST, PORTS, stackPaths } from './config.ts'
import { kafkaTlsFiles } from './services/kafka-tls.ts'

/** What a client needs to reach the stack's secured Kafka listener. */
export interface SecureKafkaListener {
  /** `KAFKA_SECURE_BROKERS`, else the stack's SASL_SSL listener. */
  readonly brokers: string
  /** `KAFKA_SSL_CA_FILE`, else the CA the stack made under its state folder (`.stack/kafka/tls/ca.crt`). */
  readonly caFile: string
  readonly mechanism: 'scram-sha-512'
}

/** The secured listener as the environment names it, else where `npm run stack:up` puts it. */
export function secureKafkaListener(env: NodeJS.ProcessEnv = process.env): SecureKafkaListener {
  const set = (name: string): string | undefined => (env[name] === '' ? undefined : env[name])
  return {
    brokers: set('KAFKA_SECURE_BROKERS') ?? `${HOST}:${PORTS.kafkaSecure}`,
    caFile: set('KAFKA_SSL_CA_FILE') ?? kafkaTlsFiles(join(stackPaths(env).state, 'kafka')).caCert,
    mechanism: 'scram-sha-512',
  }
}
