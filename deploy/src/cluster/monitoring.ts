import { CLUSTER_NAME } from '@oxagry/strimzi'
import { PART_OF } from '../labels.ts'

/** Prometheus scrapes the brokers, controllers and Kafka Exporter on Strimzi's metrics port. */
export function kafkaPodMonitor(): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: `${CLUSTER_NAME}-kafka`, labels: { ...PART_OF } },
    spec: {
      selector: {
        matchLabels: { 'strimzi.io/cluster': CLUSTER_NAME },
        matchExpressions: [{ key: 'strimzi.io/kind', operator: 'In', values: ['Kafka'] }],
      },
      podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics', interval: '30s' }],
    },
  }
}
