/**
 * Kafka's metrics as the cluster exports them: brokers' and controllers' through the JMX exporter with
 * the rules in jmx-exporter.ts (`kafka_<domain>_<type>_<name>`, `_total` for rates, `quantile` for
 * percentiles; the test runs the rules on the MBeans below), and Kafka Exporter's
 * (`kafka_consumergroup_*`). The dashboards and the alerts query these names.
 */
export const KAFKA_METRICS = {
  messagesIn: 'kafka_server_brokertopicmetrics_messagesin_total',
  bytesIn: 'kafka_server_brokertopicmetrics_bytesin_total',
  bytesOut: 'kafka_server_brokertopicmetrics_bytesout_total',
  underReplicated: 'kafka_server_replicamanager_underreplicatedpartitions',
  partitions: 'kafka_server_replicamanager_partitioncount',
  leaders: 'kafka_server_replicamanager_leadercount',
  activeControllers: 'kafka_controller_kafkacontroller_activecontrollercount',
  offlinePartitions: 'kafka_controller_kafkacontroller_offlinepartitionscount',
  requestTime: 'kafka_network_requestmetrics_totaltimems',
  requestHandlerIdle: 'kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent',
  groupLag: 'kafka_consumergroup_lag',
} as const

/** The requests whose times the brokers dashboard shows (`requestTime`'s `request` label); the exporter reads no other. */
export const KAFKA_DASHBOARD_REQUESTS = ['Produce', 'FetchConsumer', 'FetchFollower'] as const

/** The MBean attribute each JMX metric above comes from, as the JMX exporter matches it. */
export const KAFKA_METRIC_MBEANS: Readonly<Partial<Record<keyof typeof KAFKA_METRICS, string>>> = {
  messagesIn: 'kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count',
  bytesIn: 'kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec><>Count',
  bytesOut: 'kafka.server<type=BrokerTopicMetrics, name=BytesOutPerSec><>Count',
  underReplicated: 'kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value',
  partitions: 'kafka.server<type=ReplicaManager, name=PartitionCount><>Value',
  leaders: 'kafka.server<type=ReplicaManager, name=LeaderCount><>Value',
  activeControllers: 'kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value',
  offlinePartitions: 'kafka.controller<type=KafkaController, name=OfflinePartitionsCount><>Value',
  requestTime: 'kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce><>99thPercentile',
  requestHandlerIdle:
    'kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent><>MeanRate',
}
