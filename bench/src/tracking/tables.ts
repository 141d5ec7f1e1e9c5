import { formatTable } from '../table.ts'
import type { LatencyStep, SinkResult, WebSocketResult } from './results.ts'

export function latencyTable(steps: readonly LatencyStep[]): string {
  return formatTable(
    [
      { header: 'rate/s' },
      { header: 'produced/s' },
      { header: 'positions' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
      { header: 'max ms' },
      { header: 'topic p50 ms' },
      { header: 'topic p99 ms' },
      { header: 'lag tracking' },
      { header: 'lag clickhouse' },
      { header: 'lag read model' },
      { header: 'dead letters' },
      { header: 'platform cpu %' },
      { header: 'producer cpu %' },
      { header: 'loop p99 ms' },
      { header: 'rss MB' },
      { header: 'load' },
      { header: 'failed sinks' },
      { header: 'kept up w/o read model', align: 'left' },
      { header: 'kept up', align: 'left' },
    ],
    steps.map((s) => [
      s.rate,
      s.producedPerSec,
      s.positions,
      s.p50Ms,
      s.p99Ms,
      s.maxMs,
      s.topicP50Ms,
      s.topicP99Ms,
      s.lags.tracking,
      s.lags.clickhouse,
      s.lags.readModel,
      s.deadLetters,
      s.platformCpuPct,
      s.producerCpuPct,
      s.eventLoopP99Ms,
      s.platformRssMB,
      s.loadAvg,
      s.failedSinks.join(','),
      s.keptUpWithoutReadModel ? 'yes' : 'no',
      s.keptUp ? 'yes' : `no: ${s.reasons.join('; ')}`,
    ]),
  )
}

export function sinksTable(rows: readonly SinkResult[]): string {
  return formatTable(
    [
      { header: 'target' },
      { header: 'topic' },
      { header: 'records' },
      { header: 'done' },
      { header: 'records/s' },
      { header: 'rows written' },
      { header: 'rows/s' },
      { header: 'seconds' },
      { header: 'bench cpu %' },
      { header: 'load' },
      { header: 'error' },
    ],
    rows.map((r) => [
      r.target,
      r.topic.replace(/^.*?\.fleet\./, 'fleet.'),
      r.records,
      r.recordsDone,
      r.recordsPerSec,
      r.rowsWritten,
      r.rowsPerSec,
      r.seconds,
      r.cpuPct,
      r.loadAvg,
      r.error,
    ]),
  )
}

export function webSocketTable(rows: readonly WebSocketResult[]): string {
  const times = [...new Set(rows.flatMap((r) => r.samples.map((s) => s.afterSeconds)))].sort((a, b) => a - b)
  return formatTable(
    [
      { header: 'clients' },
      { header: 'not reading' },
      { header: 'feed/s' },
      { header: 'published/s' },
      { header: 'rss before MB' },
      ...times.map((t) => ({ header: `rss ≤${t}s MB` })),
      ...times.map((t) => ({ header: `heap ≤${t}s MB` })),
      ...times.map((t) => ({ header: `clients ${t}s` })),
      { header: 'peak rss MB' },
      { header: 's between updates' },
      { header: 'received MB/s' },
      { header: 'sent positions/s' },
      { header: 'server cpu %' },
      { header: 'load' },
    ],
    rows.map((r) => {
      const at = (t: number) => r.samples.find((s) => s.afterSeconds === t)
      return [
        r.clients,
        r.nonReading,
        r.feedRate,
        r.publishedPerSec,
        r.baselineRssMB,
        ...times.map((t) => at(t)?.rssMB),
        ...times.map((t) => at(t)?.heapUsedMB),
        ...times.map((t) => at(t)?.clients),
        r.peakRssMB,
        r.framesPerSecPerClient > 0 ? Math.round(10 / r.framesPerSecPerClient) / 10 : null,
        r.receivedMBPerSec,
        r.positionsPerSec,
        r.serverCpuPct,
        r.loadAvg,
      ]
    }),
  )
}
