import { BOOTSTRAP } from '../cluster/kafka.ts'
import type { Workload } from '../workloads.ts'

/** The ConfigMap of endpoints outside the cluster's control (schema registry, identity provider). */
export const EXTERNAL_CONFIG_MAP = 'oxagry-external'
/** Where the cluster CA's certificate is mounted in every pod that talks to Kafka. */
export const KAFKA_CA_DIR = '/etc/oxagry/kafka-ca'
/** Values that are optional in the external ConfigMap: the workload has a default without them. */
const OPTIONAL_EXTERNAL = new Set(['cors-origins'])

export function configMapName(workload: Workload): string {
  return `${workload.name}-config`
}

/**
 * The container's environment: plain values from the workload's ConfigMap, endpoints from the external
 * one, stores' URLs from their Secrets, and Kafka as `@oxagry/kafka`'s `kafkaConnectionFromEnv` reads it
 * (KAFKA_BROKERS, KAFKA_SASL_MECHANISM/USERNAME/PASSWORD from the KafkaUser's Secret, KAFKA_SSL_CA_FILE).
 */
export function containerEnv(workload: Workload): Record<string, unknown>[] {
  const env: Record<string, unknown>[] = [
    { name: 'KAFKA_SASL_USERNAME', value: workload.name },
    {
      name: 'KAFKA_SASL_PASSWORD',
      valueFrom: { secretKeyRef: { name: workload.name, key: 'password' } },
    },
  ]
  for (const [name, source] of Object.entries(workload.env)) {
    if ('external' in source)
      env.push({
        name,
        valueFrom: {
          configMapKeyRef: {
            name: EXTERNAL_CONFIG_MAP,
            key: source.external,
            ...(OPTIONAL_EXTERNAL.has(source.external) ? { optional: true } : {}),
          },
        },
      })
    else if ('secret' in source)
      env.push({
        name,
        valueFrom: {
          secretKeyRef: {
            name: source.secret,
            key: source.key,
            ...(source.optional === true ? { optional: true } : {}),
          },
        },
      })
  }
  return env
}

/** The plain values, in the workload's ConfigMap (loaded with envFrom). */
export function configMapData(workload: Workload): Record<string, string> {
  const data: Record<string, string> = {
    KAFKA_BROKERS: BOOTSTRAP,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SSL_CA_FILE: `${KAFKA_CA_DIR}/ca.crt`,
  }
  for (const [name, source] of Object.entries(workload.env)) if ('value' in source) data[name] = source.value
  return data
}
