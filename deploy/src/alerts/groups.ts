import { KAFKA_METRICS as K } from '../cluster/kafka-metrics.ts'

/** A Prometheus alerting rule, as rule files and PrometheusRule's `spec.groups[].rules` write it. */
export interface AlertRule {
  readonly alert: string
  readonly expr: string
  readonly for: string
  readonly labels: { readonly severity: 'page' | 'warning' }
  readonly annotations: { readonly summary: string; readonly runbook: string }
}

export interface AlertGroup {
  readonly name: string
  readonly rules: readonly AlertRule[]
}

const runbook = (alert: string): string => `deploy/README.md#${alert.toLowerCase()}`

function rule(
  alert: string,
  expr: string,
  forDuration: string,
  severity: 'page' | 'warning',
  summary: string,
): AlertRule {
  return {
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, runbook: runbook(alert) },
  }
}

/**
 * The platform's alerts, on the metrics the code exports (`oxagry_streams_*`, `oxagry_sink_*`,
 * `oxagry_api_*`) and on Kafka's (the JMX exporter's and Kafka Exporter's). Each has a promtool unit
 * test in deploy/alerts/tests.yaml and a section in deploy/README.md.
 */
export const ALERT_GROUPS: readonly AlertGroup[] = [
  {
    name: 'oxagry-streams',
    rules: [
      rule(
        'OxagryStreamsLagGrowing',
        'sum by (application) (oxagry_streams_consumer_lag_records) > 1000\n' +
          'and sum by (application) (delta(oxagry_streams_consumer_lag_records[10m])) > 0',
        '10m',
        'page',
        '{{ $labels.application }} is {{ $value }} records behind its inputs and falling further behind',
      ),
      rule(
        'OxagryStreamsInError',
        'max by (application, pod) (oxagry_streams_state{state="ERROR"}) == 1',
        '1m',
        'page',
        '{{ $labels.application }} on {{ $labels.pod }} stopped in ERROR',
      ),
      rule(
        'OxagryStreamsNotRunning',
        'max by (application, pod) (oxagry_streams_state{state="RUNNING"}) == 0\n' +
          'unless on (application, pod) max by (application, pod) (oxagry_streams_state{state="ERROR"}) == 1',
        '15m',
        'warning',
        '{{ $labels.application }} on {{ $labels.pod }} has not been RUNNING (ready) for 15 minutes',
      ),
    ],
  },
  {
    name: 'oxagry-dead-letters',
    rules: [
      rule(
        'OxagryDeadLettersArriving',
        `sum by (topic) (increase(${K.messagesIn}{topic=~".+\\\\.dead-letters\\\\..+"}[10m])) > 0`,
        '1m',
        'warning',
        'dead letters are arriving on {{ $labels.topic }}',
      ),
    ],
  },
  {
    name: 'oxagry-sinks',
    rules: [
      rule(
        'OxagrySinkFailing',
        'min by (sink, target) (oxagry_sink_up) == 0',
        '5m',
        'page',
        'sink {{ $labels.sink }} cannot write to {{ $labels.target }}',
      ),
      rule(
        'OxagrySinkRetrying',
        'sum by (sink, target) (rate(oxagry_sink_retries_total[5m])) > 0',
        '15m',
        'warning',
        'sink {{ $labels.sink }} keeps retrying writes to {{ $labels.target }}',
      ),
      rule(
        'OxagrySinkLagGrowing',
        'sum by (sink) (oxagry_sink_consumer_lag_records) > 1000\n' +
          'and sum by (sink) (delta(oxagry_sink_consumer_lag_records[10m])) > 0',
        '10m',
        'page',
        'sink {{ $labels.sink }} is {{ $value }} records behind and falling further behind',
      ),
    ],
  },
  {
    name: 'oxagry-apis',
    rules: [
      rule(
        'OxagryApi5xx',
        'sum by (pod) (rate(oxagry_api_http_requests_total{status_code=~"5.."}[5m]))\n' +
          '/ sum by (pod) (rate(oxagry_api_http_requests_total[5m])) > 0.01',
        '5m',
        'page',
        'more than 1% of API requests on {{ $labels.pod }} fail with 5xx',
      ),
      rule(
        'OxagryWebSocketClientsLagging',
        'max by (pod) (oxagry_api_ws_lagging_clients) > 0',
        '5m',
        'warning',
        '{{ $value }} live-feed clients on {{ $labels.pod }} cannot keep up',
      ),
    ],
  },
  {
    name: 'oxagry-kafka',
    rules: [
      rule(
        'OxagryKafkaUnderReplicated',
        `sum(${K.underReplicated}) > 0`,
        '10m',
        'page',
        '{{ $value }} partitions are under-replicated',
      ),
    ],
  },
]
