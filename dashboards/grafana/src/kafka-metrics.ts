/**
 * Kafka's metrics as the cluster exports them: brokers' and controllers' through the JMX exporter with
 * the rules in deploy/src/cluster/jmx-exporter.ts (`kafka_<domain>_<type>_<name>`, `_total` for
 * rates, `quantile` for percentiles), and Kafka Exporter's (`kafka_topic_*`, `kafka_consumergroup_*`).
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
  topicOffset: 'kafka_topic_partition_current_offset',
  groupLag: 'kafka_consumergroup_lag',
} as const
