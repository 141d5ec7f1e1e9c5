import { CLUSTER_NAME, STRIMZI_API_VERSION } from '@oxagry/strimzi'
import { PART_OF } from '../labels.ts'
import { KAFKA_METRICS_CONFIG_KEY, KAFKA_METRICS_CONFIG_MAP } from './jmx-exporter.ts'

/** The internal listener clients use: TLS with SCRAM-SHA-512, behind `<cluster>-kafka-bootstrap`. */
export const CLIENT_LISTENER = { name: 'tls', port: 9093 } as const

/** Where clients reach the brokers from inside the cluster (the namespace's bootstrap Service). */
export const BOOTSTRAP = `${CLUSTER_NAME}-kafka-bootstrap:${CLIENT_LISTENER.port}`

/** The Secret Strimzi keeps the cluster CA's certificate in, and the key of the PEM. */
export const CLUSTER_CA = { secret: `${CLUSTER_NAME}-cluster-ca-cert`, key: 'ca.crt' } as const

/**
 * The `Kafka` resource: KRaft (its nodes come from the node pools), one internal TLS listener with
 * SCRAM-SHA-512, simple authorization (each application's KafkaUser carries its ACLs), the topic and
 * user operators, broker metrics through the JMX exporter, and Kafka Exporter for consumer-group lag.
 */
export function kafkaCluster(): Record<string, unknown> {
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'Kafka',
    metadata: { name: CLUSTER_NAME, labels: { ...PART_OF } },
    spec: {
      kafka: {
        listeners: [
          {
            name: CLIENT_LISTENER.name,
            port: CLIENT_LISTENER.port,
            type: 'internal',
            tls: true,
            authentication: { type: 'scram-sha-512' },
          },
        ],
        authorization: { type: 'simple' },
        config: {
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'offsets.topic.replication.factor': 3,
          'transaction.state.log.replication.factor': 3,
          'transaction.state.log.min.isr': 2,
          // Topics are the catalogue's (KafkaTopic) or an application's internal ones, never a typo's.
          'auto.create.topics.enable': false,
        },
        metricsConfig: {
          type: 'jmxPrometheusExporter',
          valueFrom: { configMapKeyRef: { name: KAFKA_METRICS_CONFIG_MAP, key: KAFKA_METRICS_CONFIG_KEY } },
        },
      },
      entityOperator: {
        topicOperator: { resources: resources('256Mi') },
        userOperator: { resources: resources('256Mi') },
      },
      kafkaExporter: { groupRegex: '.*', topicRegex: '.*' },
    },
  }
}

function resources(memory: string): Record<string, unknown> {
  return { requests: { cpu: '100m', memory }, limits: { memory } }
}

/** A node pool: three controllers or three brokers, each on its own persistent volume. */
export function nodePool(role: 'controller' | 'broker', size: string): Record<string, unknown> {
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaNodePool',
    metadata: {
      name: `${role}s`,
      labels: { 'strimzi.io/cluster': CLUSTER_NAME, ...PART_OF },
    },
    spec: {
      replicas: 3,
      roles: [role],
      storage: {
        type: 'jbod',
        volumes: [{ id: 0, type: 'persistent-claim', size, deleteClaim: false, kraftMetadata: 'shared' }],
      },
      resources:
        role === 'broker'
          ? { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } }
          : { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    },
  }
}
