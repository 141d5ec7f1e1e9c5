import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { HTTP_METRICS as H } from '@oxagry/fleet-api'
import { datasourceVariable, q, stat, timeseries } from '../panels.ts'
import { WS_METRICS as W } from '../ws-metrics.ts'

const RATE = '[$__rate_interval]'

/** APIs: request rate, latency, 4xx and 5xx by route, and the live feed's WebSocket clients. */
export function apisDashboard(): DashboardBuilder {
  return new DashboardBuilder('Oxagry / APIs')
    .uid('oxagry-apis')
    .tags(['oxagry', 'apis'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withRow(new RowBuilder('Overview'))
    .withPanel(stat('Requests/s', 'reqps', [q(`sum(rate(${H.requests}${RATE}))`, 'requests/s')]))
    .withPanel(
      stat('5xx ratio', 'percentunit', [
        q(`sum(rate(${H.requests}{status_code=~"5.."}${RATE})) / sum(rate(${H.requests}${RATE}))`, '5xx'),
      ]),
    )
    .withPanel(stat('WebSocket clients', 'none', [q(`sum(${W.clients})`, 'clients')]))
    .withPanel(stat('Lagging clients', 'none', [q(`sum(${W.lagging})`, 'lagging')]))
    .withRow(new RowBuilder('Requests'))
    .withPanel(
      timeseries('Requests/s by route', 'reqps', [
        q(`sum by (method, route) (rate(${H.requests}${RATE}))`, '{{method}} {{route}}'),
      ]),
    )
    .withPanel(
      timeseries('Latency by route (p50, p99)', 's', [
        q(`histogram_quantile(0.5, sum by (le, route) (rate(${H.duration}_bucket${RATE})))`, '{{route}} p50'),
        q(
          `histogram_quantile(0.99, sum by (le, route) (rate(${H.duration}_bucket${RATE})))`,
          '{{route}} p99',
        ),
      ]),
    )
    .withPanel(
      timeseries('4xx/s by route and status', 'reqps', [
        q(
          `sum by (route, status_code) (rate(${H.requests}{status_code=~"4.."}${RATE}))`,
          '{{route}} {{status_code}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('5xx/s by route and status', 'reqps', [
        q(
          `sum by (route, status_code) (rate(${H.requests}{status_code=~"5.."}${RATE}))`,
          '{{route}} {{status_code}}',
        ),
      ]),
    )
    .withRow(new RowBuilder('Live feed'))
    .withPanel(
      timeseries('WebSocket clients and lagging clients', 'none', [
        q(`sum by (pod) (${W.clients})`, 'clients {{pod}}'),
        q(`sum by (pod) (${W.lagging})`, 'lagging {{pod}}'),
      ]),
    )
    .withPanel(
      timeseries('Largest socket backlog', 'bytes', [q(`max by (pod) (${W.maxBuffered})`, '{{pod}}')]),
    )
}
