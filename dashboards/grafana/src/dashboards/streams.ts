import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { STREAMS_METRICS as M } from '@oxagry/streams'
import { datasourceVariable, labelVariable, q, stat, timeseries } from '../panels.ts'

const APP = 'application=~"$application"'
const RATE = '[$__rate_interval]'

/** Stream applications: throughput, latency, lag, restores, rebalances, state, errors and dead letters. */
export function streamsDashboard(): DashboardBuilder {
  return new DashboardBuilder('Oxagry / Stream applications')
    .uid('oxagry-streams')
    .tags(['oxagry', 'streams'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('application', M.state, 'application'))
    .withRow(new RowBuilder('Overview'))
    .withPanel(stat('Instances RUNNING', 'none', [q(`sum(${M.state}{${APP},state="RUNNING"})`, 'running')]))
    .withPanel(stat('Instances in ERROR', 'none', [q(`sum(${M.state}{${APP},state="ERROR"})`, 'error')]))
    .withPanel(stat('Records/s', 'ops', [q(`sum(rate(${M.recordsProcessed}{${APP}}${RATE}))`, 'records/s')]))
    .withPanel(stat('Lag (records)', 'short', [q(`sum(${M.consumerLag}{${APP}})`, 'lag')]))
    .withPanel(
      timeseries('Records processed/s by sub-topology', 'ops', [
        q(
          `sum by (application, subtopology) (rate(${M.recordsProcessed}{${APP}}${RATE}))`,
          '{{application}} #{{subtopology}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('State by instance', 'none', [
        q(`max by (pod, state) (${M.state}{${APP}}) == 1`, '{{pod}} {{state}}'),
      ]),
    )
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      timeseries('Process latency per record (p50, p99)', 's', [
        q(
          `histogram_quantile(0.5, sum by (le, application) (rate(${M.processLatency}_bucket{${APP}}${RATE})))`,
          '{{application}} p50',
        ),
        q(
          `histogram_quantile(0.99, sum by (le, application) (rate(${M.processLatency}_bucket{${APP}}${RATE})))`,
          '{{application}} p99',
        ),
      ]),
    )
    .withPanel(
      timeseries('Commit latency (p50, p99)', 's', [
        q(
          `histogram_quantile(0.5, sum by (le, application) (rate(${M.commitLatency}_bucket{${APP}}${RATE})))`,
          '{{application}} p50',
        ),
        q(
          `histogram_quantile(0.99, sum by (le, application) (rate(${M.commitLatency}_bucket{${APP}}${RATE})))`,
          '{{application}} p99',
        ),
      ]),
    )
    .withRow(new RowBuilder('Lag'))
    .withPanel(
      timeseries(
        'Consumer lag per partition',
        'short',
        [q(`max by (topic, partition) (${M.consumerLag}{${APP}})`, '{{topic}}[{{partition}}]')],
        24,
      ),
    )
    .withRow(new RowBuilder('State stores'))
    .withPanel(
      timeseries('Restore: records remaining', 'short', [
        q(`sum by (application, store) (${M.restoreRemaining}{${APP}})`, '{{application}} {{store}}'),
      ]),
    )
    .withPanel(
      timeseries('Restore: records/s restored', 'ops', [
        q(`sum by (application, store) (rate(${M.restored}{${APP}}${RATE}))`, '{{application}} {{store}}'),
      ]),
    )
    .withPanel(
      timeseries('Rebalances', 'short', [
        q(`sum by (application, pod) (increase(${M.rebalances}{${APP}}${RATE}))`, '{{application}} {{pod}}'),
      ]),
    )
    .withPanel(
      timeseries('Store entries', 'short', [
        q(`sum by (application, store) (${M.storeEntries})`, '{{application}} {{store}}'),
      ]),
    )
    .withRow(new RowBuilder('Errors and dead letters'))
    .withPanel(
      timeseries('Errors/s by stage and code', 'ops', [
        q(
          `sum by (application, stage, code) (rate(${M.errors}{${APP}}${RATE}))`,
          '{{application}} {{stage}} {{code}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Dead letters/s and dropped records/s', 'ops', [
        q(
          `sum by (application, stage) (rate(${M.deadLettered}{${APP}}${RATE}))`,
          'dead letters {{application}} {{stage}}',
        ),
        q(
          `sum by (application, node) (rate(${M.droppedRecords}{${APP}}${RATE}))`,
          'dropped {{application}} {{node}}',
        ),
      ]),
    )
}
