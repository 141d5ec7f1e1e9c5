import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { datasourceVariable, q, stat, timeseries } from '../panels.ts'
import { KAFKA_DASHBOARD_REQUESTS, KAFKA_METRICS as K } from '@oxagry/deploy/kafka-metrics'

const RATE = '[$__rate_interval]'

/** Kafka brokers: controller, replication, throughput, request latency and consumer-group lag. */
export function kafkaDashboard(): DashboardBuilder {
  return new DashboardBuilder('Oxagry / Kafka brokers')
    .uid('oxagry-kafka')
    .tags(['oxagry', 'kafka'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withRow(new RowBuilder('Health'))
    .withPanel(stat('Active controllers', 'none', [q(`sum(${K.activeControllers})`, 'active')]))
    .withPanel(stat('Offline partitions', 'none', [q(`sum(${K.offlinePartitions})`, 'offline')]))
    .withPanel(
      stat('Under-replicated partitions', 'none', [q(`sum(${K.underReplicated})`, 'under-replicated')]),
    )
    .withPanel(stat('Partitions', 'none', [q(`sum(${K.partitions})`, 'partitions')]))
    .withRow(new RowBuilder('Throughput'))
    .withPanel(
      timeseries('Messages in/s by broker', 'ops', [
        q(`sum by (pod) (rate(${K.messagesIn}{topic=""}${RATE}))`, '{{pod}}'),
      ]),
    )
    .withPanel(
      timeseries('Bytes in and out/s', 'Bps', [
        q(`sum by (pod) (rate(${K.bytesIn}{topic=""}${RATE}))`, 'in {{pod}}'),
        q(`sum by (pod) (rate(${K.bytesOut}{topic=""}${RATE}))`, 'out {{pod}}'),
      ]),
    )
    .withRow(new RowBuilder('Requests'))
    .withPanel(
      timeseries('Produce and fetch time (p99)', 'ms', [
        q(
          `max by (request) (${K.requestTime}{request=~"${KAFKA_DASHBOARD_REQUESTS.join('|')}",quantile="0.99"})`,
          '{{request}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Request handlers idle', 'percentunit', [
        q(`avg by (pod) (${K.requestHandlerIdle})`, '{{pod}}'),
      ]),
    )
    .withPanel(timeseries('Leaders by broker', 'none', [q(`sum by (pod) (${K.leaders})`, '{{pod}}')]))
    .withPanel(
      timeseries('Consumer-group lag', 'short', [
        q(`sum by (consumergroup, topic) (${K.groupLag})`, '{{consumergroup}} {{topic}}'),
      ]),
    )
}
