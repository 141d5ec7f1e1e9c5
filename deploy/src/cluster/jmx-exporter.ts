import { stringify } from 'yaml'
import { CLUSTER_NAME } from '@oxagry/strimzi'
import { PART_OF } from '../labels.ts'
import { KAFKA_DASHBOARD_REQUESTS } from './kafka-metrics.ts'

export const KAFKA_METRICS_CONFIG_MAP = `${CLUSTER_NAME}-kafka-metrics`
export const KAFKA_METRICS_CONFIG_KEY = 'kafka-metrics-config.yml'

/**
 * The MBeans the exporter reads: exactly those the dashboards and alerts use (`KAFKA_METRIC_MBEANS`),
 * with their per-topic siblings, and the request times of the requests the brokers dashboard shows.
 * Everything else is left out. On a broker with thousands of partitions a scrape of every MBean was
 * 2.5 MB and took seconds; with every BrokerTopicMetrics meter (sixteen per topic) and every request
 * type's time percentiles (558 series, each percentile sorting a sample of 1,028), the exporter's
 * regular expressions and snapshots were still a quarter of the broker's Java CPU samples under load
 * (JFR, the commerce bench, one scrape each 5 s).
 */
export const JMX_EXPORTER_OBJECT_NAMES = [
  'kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,*',
  'kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,*',
  'kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,*',
  'kafka.server:type=ReplicaManager,*',
  'kafka.server:type=KafkaRequestHandlerPool,*',
  'kafka.controller:type=KafkaController,*',
  ...KAFKA_DASHBOARD_REQUESTS.map(
    (request) => `kafka.network:type=RequestMetrics,name=TotalTimeMs,request=${request}`,
  ),
] as const

/**
 * The Prometheus JMX exporter's rules for brokers and controllers, after Strimzi's example
 * (`kafka-metrics.yaml`): `kafka_<domain>_<type>_<name>` gauges, `..._total` counters for rates, and
 * percentiles as a `quantile` label. The brokers dashboard and alerts use these names.
 */
export const JMX_EXPORTER_RULES = [
  {
    pattern: 'kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value',
    name: 'kafka_server_$1_$2',
    type: 'GAUGE',
    labels: { clientId: '$3', topic: '$4', partition: '$5' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)Percent\\w*><>MeanRate',
    name: 'kafka_$1_$2_$3_percent',
    type: 'GAUGE',
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)Percent\\w*><>Value',
    name: 'kafka_$1_$2_$3_percent',
    type: 'GAUGE',
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)Percent\\w*, (.+)=(.+)><>Value',
    name: 'kafka_$1_$2_$3_percent',
    type: 'GAUGE',
    labels: { $4: '$5' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+), (.+)=(.+)><>Count',
    name: 'kafka_$1_$2_$3_total',
    type: 'COUNTER',
    labels: { $4: '$5', $6: '$7' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+)><>Count',
    name: 'kafka_$1_$2_$3_total',
    type: 'COUNTER',
    labels: { $4: '$5' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*><>Count',
    name: 'kafka_$1_$2_$3_total',
    type: 'COUNTER',
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+), (.+)=(.+)><>Value',
    name: 'kafka_$1_$2_$3',
    type: 'GAUGE',
    labels: { $4: '$5', $6: '$7' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Value',
    name: 'kafka_$1_$2_$3',
    type: 'GAUGE',
    labels: { $4: '$5' },
  },
  { pattern: 'kafka.(\\w+)<type=(.+), name=(.+)><>Value', name: 'kafka_$1_$2_$3', type: 'GAUGE' },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>(\\d+)thPercentile',
    name: 'kafka_$1_$2_$3',
    type: 'GAUGE',
    labels: { $4: '$5', quantile: '0.$6' },
  },
  {
    pattern: 'kafka.(\\w+)<type=(.+), name=(.+)><>(\\d+)thPercentile',
    name: 'kafka_$1_$2_$3',
    type: 'GAUGE',
    labels: { quantile: '0.$4' },
  },
] as const

/**
 * The JMX exporter's configuration file: the cluster's brokers and the local stack's broker read it.
 * Each rule caches what it made of an attribute's name (`cache: true`; none of them reads a value):
 * without it, every scrape ran every attribute of every topic's meters through the rules in turn, and
 * most (MeanRate, OneMinuteRate, …) through all of them, matching none. On a broker with 1,096 topics a
 * scrape took 270-310 ms before and 91-100 ms after, the same series, and the exporter's regular
 * expressions had been half of the broker's Java CPU samples (JFR) under the REST platform's load.
 */
export function jmxExporterConfig(): string {
  return stringify(
    {
      lowercaseOutputName: true,
      includeObjectNames: JMX_EXPORTER_OBJECT_NAMES,
      rules: JMX_EXPORTER_RULES.map((rule) => ({ ...rule, cache: true })),
    },
    { lineWidth: 0 },
  )
}

/** The ConfigMap the `Kafka` resource's metricsConfig points at. */
export function kafkaMetricsConfigMap(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KAFKA_METRICS_CONFIG_MAP, labels: { ...PART_OF } },
    data: {
      [KAFKA_METRICS_CONFIG_KEY]: jmxExporterConfig(),
    },
  }
}
