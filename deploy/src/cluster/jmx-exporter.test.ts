import test from 'ava'
import { KAFKA_DASHBOARD_REQUESTS, KAFKA_METRIC_MBEANS, KAFKA_METRICS } from './kafka-metrics.ts'
import { JMX_EXPORTER_OBJECT_NAMES, JMX_EXPORTER_RULES, jmxExporterConfig } from './jmx-exporter.ts'

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
}

/**
 * The JMX exporter's matching, for these rules: the first rule whose pattern matches the whole
 * `domain<properties><>attribute` string names the sample, `$n` being the pattern's groups; names are
 * lowercased (lowercaseOutputName) and anything outside [a-zA-Z0-9:_] becomes `_`.
 */
function scrape(mbean: string): Sample | undefined {
  for (const rule of JMX_EXPORTER_RULES) {
    const match = new RegExp(`^(?:${rule.pattern})$`).exec(mbean)
    if (match === null) continue
    const fill = (template: string): string =>
      template.replace(/\$(\d+)/g, (_, n: string) => match[Number(n)] ?? '')
    const labels: Record<string, string> = {}
    for (const [k, v] of Object.entries('labels' in rule ? rule.labels : {})) labels[fill(k)] = fill(v)
    return {
      name: fill(rule.name)
        .toLowerCase()
        .replace(/[^a-zA-Z0-9:_]/g, '_'),
      labels,
    }
  }
  return undefined
}

test('the JMX exporter rules name each broker metric the dashboards and alerts query', (t) => {
  const entries = Object.entries(KAFKA_METRIC_MBEANS)
  t.true(entries.length >= 10)
  for (const [key, mbean] of entries)
    t.is(scrape(mbean)?.name, KAFKA_METRICS[key as keyof typeof KAFKA_METRICS], mbean)
})

test('rates keep their labels and percentiles become a quantile label', (t) => {
  t.deepEqual(
    scrape(
      'kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=fleet.machine-pings.v1><>Count',
    ),
    {
      name: KAFKA_METRICS.messagesIn,
      labels: { topic: 'fleet.machine-pings.v1' },
    },
  )
  t.deepEqual(scrape(KAFKA_METRIC_MBEANS.requestTime as string)?.labels, {
    request: 'Produce',
    quantile: '0.99',
  })
  t.is(scrape('java.lang<type=Memory><>HeapMemoryUsage'), undefined)
})

/** Whether an MBean (`domain<key=value, ...><>attribute`) matches an ObjectName pattern (`domain:key=value,*`). */
function included(mbean: string, pattern: string): boolean {
  const [, domain = '', keys = ''] = /^([^<]+)<([^>]*)>/.exec(mbean) ?? []
  const props = new Map(keys.split(', ').map((kv) => kv.split('=') as [string, string]))
  const [patternDomain, patternKeys = ''] = pattern.split(':')
  return (
    patternDomain === domain &&
    patternKeys
      .split(',')
      .filter((kv) => kv !== '*')
      .every((kv) => {
        const [k = '', v] = kv.split('=')
        return props.get(k) === v
      })
  )
}

test('the exporter reads every MBean the dashboards and alerts use, and nothing else: no per-partition logs, no other meters or request types', (t) => {
  for (const mbean of Object.values(KAFKA_METRIC_MBEANS))
    t.true(
      JMX_EXPORTER_OBJECT_NAMES.some((p) => included(mbean, p)),
      `${mbean} is read`,
    )
  const requestTime = (request: string): string =>
    `kafka.network<type=RequestMetrics, name=TotalTimeMs, request=${request}><>99thPercentile`
  for (const request of KAFKA_DASHBOARD_REQUESTS)
    t.true(
      JMX_EXPORTER_OBJECT_NAMES.some((p) => included(requestTime(request), p)),
      request,
    )
  const topic = 'fleet.machine-pings.v1'
  for (const unused of [
    `kafka.log<type=Log, name=Size, topic=${topic}, partition=0><>Value`,
    `kafka.server<type=BrokerTopicMetrics, name=TotalFetchRequestsPerSec, topic=${topic}><>Count`,
    requestTime('Metadata'),
    requestTime('WriteTxnMarkers'),
  ])
    t.false(
      JMX_EXPORTER_OBJECT_NAMES.some((p) => included(unused, p)),
      `${unused} is not read`,
    )
  t.regex(jmxExporterConfig(), /includeObjectNames:/)
})
