import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { SINK_METRICS as M } from '@oxagry/sink'
import { datasourceVariable, labelVariable, q, stat, timeseries } from '../panels.ts'

const SINK = 'sink=~"$sink"'
const RATE = '[$__rate_interval]'

/** Sinks: rows written, batch latency, lag, retries and dead letters, per sink and target. */
export function sinksDashboard(): DashboardBuilder {
  return new DashboardBuilder('Oxagry / Sinks')
    .uid('oxagry-sinks')
    .tags(['oxagry', 'sinks'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('sink', M.up, 'sink'))
    .withRow(new RowBuilder('Overview'))
    .withPanel(stat('Targets down', 'none', [q(`count(${M.up}{${SINK}} == 0) or vector(0)`, 'down')]))
    .withPanel(stat('Rows/s', 'ops', [q(`sum(rate(${M.rowsWritten}{${SINK}}${RATE}))`, 'rows/s')]))
    .withPanel(stat('Lag (records)', 'short', [q(`sum(${M.consumerLag}{${SINK}})`, 'lag')]))
    .withPanel(
      stat('Dead letters (range)', 'short', [
        q(`sum(increase(${M.deadLetters}{${SINK}}[$__range]))`, 'dead letters'),
      ]),
    )
    .withRow(new RowBuilder('Throughput'))
    .withPanel(
      timeseries('Rows written/s', 'ops', [
        q(`sum by (sink, target) (rate(${M.rowsWritten}{${SINK}}${RATE}))`, '{{sink}} → {{target}}'),
      ]),
    )
    .withPanel(
      timeseries('Records consumed/s and skipped/s', 'ops', [
        q(`sum by (sink, topic) (rate(${M.recordsConsumed}{${SINK}}${RATE}))`, 'consumed {{sink}} {{topic}}'),
        q(`sum by (sink, topic) (rate(${M.recordsSkipped}{${SINK}}${RATE}))`, 'skipped {{sink}} {{topic}}'),
      ]),
    )
    .withPanel(
      timeseries('Batch latency (p50, p99)', 's', [
        q(
          `histogram_quantile(0.5, sum by (le, sink) (rate(${M.batchLatency}_bucket{${SINK}}${RATE})))`,
          '{{sink}} p50',
        ),
        q(
          `histogram_quantile(0.99, sum by (le, sink) (rate(${M.batchLatency}_bucket{${SINK}}${RATE})))`,
          '{{sink}} p99',
        ),
      ]),
    )
    .withPanel(
      timeseries('Batch size (p50)', 'short', [
        q(
          `histogram_quantile(0.5, sum by (le, sink) (rate(${M.batchSize}_bucket{${SINK}}${RATE})))`,
          '{{sink}}',
        ),
      ]),
    )
    .withRow(new RowBuilder('Lag'))
    .withPanel(
      timeseries(
        'Consumer lag per partition',
        'short',
        [
          q(
            `max by (sink, topic, partition) (${M.consumerLag}{${SINK}})`,
            '{{sink}} {{topic}}[{{partition}}]',
          ),
        ],
        24,
      ),
    )
    .withRow(new RowBuilder('Failures'))
    .withPanel(
      timeseries('Retries/s by code', 'ops', [
        q(`sum by (sink, target, code) (rate(${M.retries}{${SINK}}${RATE}))`, '{{sink}} {{code}}'),
      ]),
    )
    .withPanel(
      timeseries('Dead letters/s by stage and code', 'ops', [
        q(
          `sum by (sink, stage, code) (rate(${M.deadLetters}{${SINK}}${RATE}))`,
          '{{sink}} {{stage}} {{code}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Target up', 'none', [
        q(`min by (sink, target) (${M.up}{${SINK}})`, '{{sink}} → {{target}}'),
      ]),
    )
    .withPanel(
      timeseries('Commits/s', 'ops', [q(`sum by (sink) (rate(${M.commits}{${SINK}}${RATE}))`, '{{sink}}')]),
    )
}
