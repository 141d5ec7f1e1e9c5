import { cpus, loadavg, release, totalmem } from 'node:os'
import { median } from '../stats.ts'

/** One step of the latency ladder: the platform fed at one rate. */
export interface LatencyStep {
  /** Target pings/s. */
  readonly rate: number
  /** Pings produced per second over the measured phase. */
  readonly producedPerSec: number
  /** Pings produced in the measured phase. */
  readonly pings: number
  /** Positions the client received in update frames with an eventTime in the measured phase. */
  readonly positions: number
  /** Update frames received during the measured phase (the hub flushes every 100 ms). */
  readonly frames: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly maxMs: number | null
  /** Produced → readable on the positions topic (tracking's part), p50 and p99, ms. */
  readonly topicP50Ms: number | null
  readonly topicP99Ms: number | null
  /** Lag at the end of the measured phase, records: tracking on pings, the sinks on their topics. */
  readonly lags: { readonly tracking: number; readonly clickhouse: number; readonly readModel: number }
  /** Dead letters written during the step: 0 unless the validator refused generated pings. */
  readonly deadLetters: number
  /** CPU of the platform's and of the producer's process over the measured phase, % of one core. */
  readonly platformCpuPct: number | null
  readonly producerCpuPct: number | null
  /** Median over the phase's seconds of the platform's event loop delay p99, ms. */
  readonly eventLoopP99Ms: number | null
  readonly platformRssMB: number | null
  /** 1-minute load average when the step started. */
  readonly loadAvg: number
  /** The platform's sinks in state FAILED at the end of the measured phase (they consume no more). */
  readonly failedSinks: readonly string[]
  /** Kept up, every group's lag counted; else `reasons` says why. */
  readonly keptUp: boolean
  /** Kept up by tracking, the ClickHouse sink and the live feed: the read model's lag left out. */
  readonly keptUpWithoutReadModel: boolean
  readonly reasons: readonly string[]
}

export interface LatencyRun {
  readonly guarantee: 'at_least_once' | 'exactly_once'
  readonly steps: readonly LatencyStep[]
  /** Highest step rate at and below which every step kept up. */
  readonly highestSustainedRate: number | null
  /** The same, the read model's lag left out. */
  readonly highestSustainedRateWithoutReadModel: number | null
}

/** Where the sink benchmark writes: ClickHouse (accepted pings) and the MongoDB read model (positions). */
export const SINK_TARGETS = ['clickhouse', 'mongodb'] as const
export type SinkTarget = (typeof SINK_TARGETS)[number]

/** A sink draining a preloaded topic. */
export interface SinkResult {
  readonly target: SinkTarget
  readonly topic: string
  /** Records preloaded. */
  readonly records: number
  /** Records written and committed: all of them unless the sink stalled. */
  readonly recordsDone: number
  /**
   * Records per second, first record decoded → last offset committed; when the drain timed out, records
   * done over the time it had; null when it stalled.
   */
  readonly recordsPerSec: number | null
  /** Rows inserted (ClickHouse) or documents upserted (MongoDB; a batch upserts once per machine). */
  readonly rowsWritten: number
  readonly rowsPerSec: number | null
  readonly seconds: number | null
  /** CPU of the bench's sink process over the drain, % of one core (chdb runs in it; FerretDB does not). */
  readonly cpuPct: number | null
  readonly loadAvg: number
  /** Why there is no rate. */
  readonly error?: string
}

/** The WebSocket server's memory up to a moment after the feed started: peaks since the previous sample. */
export interface MemorySample {
  readonly afterSeconds: number
  readonly rssMB: number
  readonly heapUsedMB: number
  /** Clients the server held at that moment (it drops a client that misses two heartbeats). */
  readonly clients: number
}

export interface WebSocketResult {
  readonly clients: number
  readonly nonReading: number
  readonly machines: number
  readonly feedRate: number
  readonly baselineRssMB: number
  readonly baselineHeapUsedMB: number
  readonly samples: readonly MemorySample[]
  readonly peakRssMB: number
  /** Update frames per second each reading client received, on average, from the first sample to the last. */
  readonly framesPerSecPerClient: number
  /** Positions per second the feed actually published (a busy event loop may fall short of feedRate). */
  readonly publishedPerSec: number
  /** Positions per second the server sent over all clients (its hub's count). */
  readonly positionsPerSec: number
  /** MB/s the reading clients received together. */
  readonly receivedMBPerSec: number
  readonly serverCpuPct: number | null
  readonly loadAvg: number
}

export interface TrackingRun {
  readonly startedAt: string
  readonly loadAvg: number
  readonly latency?: LatencyRun
  readonly sinks?: readonly SinkResult[]
  readonly websocket?: readonly WebSocketResult[]
  readonly errors?: readonly string[]
}

export interface MachineInfo {
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryGB: number
  readonly kernel: string
  readonly node: string
}

export function machineInfo(): MachineInfo {
  const all = cpus()
  return {
    cpus: all.length,
    cpuModel: all[0]?.model ?? 'unknown',
    memoryGB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  }
}

export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}

export function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10
}

const mid = (values: readonly number[]): number => Math.round(median(values) * 10) / 10
const midOrNull = (values: readonly (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null)
  return present.length === 0 ? null : mid(present)
}

/** Per rate over the runs: each figure's median, kept up when most runs kept up. */
export function summarizeSteps(runs: readonly LatencyRun[]): LatencyStep[] {
  const rates = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.rate)))].sort((a, b) => a - b)
  return rates.map((rate) => {
    const steps = runs.flatMap((r) => r.steps.filter((s) => s.rate === rate))
    const m = (pick: (s: LatencyStep) => number): number => mid(steps.map(pick))
    const n = (pick: (s: LatencyStep) => number | null): number | null => midOrNull(steps.map(pick))
    const passed = steps.filter((s) => s.keptUp).length
    return {
      rate,
      producedPerSec: m((s) => s.producedPerSec),
      pings: m((s) => s.pings),
      positions: m((s) => s.positions),
      frames: m((s) => s.frames),
      p50Ms: n((s) => s.p50Ms),
      p99Ms: n((s) => s.p99Ms),
      maxMs: n((s) => s.maxMs),
      topicP50Ms: n((s) => s.topicP50Ms),
      topicP99Ms: n((s) => s.topicP99Ms),
      lags: {
        tracking: m((s) => s.lags.tracking),
        clickhouse: m((s) => s.lags.clickhouse),
        readModel: m((s) => s.lags.readModel),
      },
      deadLetters: m((s) => s.deadLetters),
      platformCpuPct: n((s) => s.platformCpuPct),
      producerCpuPct: n((s) => s.producerCpuPct),
      eventLoopP99Ms: n((s) => s.eventLoopP99Ms),
      platformRssMB: n((s) => s.platformRssMB),
      loadAvg: m((s) => s.loadAvg),
      failedSinks: [...new Set(steps.flatMap((s) => s.failedSinks))],
      keptUp: passed * 2 > steps.length,
      keptUpWithoutReadModel: steps.filter((s) => s.keptUpWithoutReadModel).length * 2 > steps.length,
      reasons: [`kept up in ${passed} of ${steps.length} run(s)`],
    }
  })
}

/** Per target over the runs, each figure's median; the errors of the runs that had one. */
export function summarizeSinks(runs: readonly (readonly SinkResult[])[]): SinkResult[] {
  const targets = [...new Set(runs.flatMap((r) => r.map((s) => s.target)))]
  return targets.map((target) => {
    const rows = runs.flatMap((r) => r.filter((s) => s.target === target))
    const first = rows[0] as SinkResult
    const m = (pick: (s: SinkResult) => number): number => mid(rows.map(pick))
    const n = (pick: (s: SinkResult) => number | null): number | null => midOrNull(rows.map(pick))
    const rounded = (value: number | null): number | null => (value === null ? null : Math.round(value))
    const failed = rows.filter((s) => s.error !== undefined)
    const errors = [...new Set(failed.map((s) => s.error))]
    return {
      target,
      topic: first.topic,
      records: first.records,
      recordsDone: m((s) => s.recordsDone),
      recordsPerSec: rounded(n((s) => s.recordsPerSec)),
      rowsWritten: m((s) => s.rowsWritten),
      rowsPerSec: rounded(n((s) => s.rowsPerSec)),
      seconds: n((s) => s.seconds),
      cpuPct: n((s) => s.cpuPct),
      loadAvg: m((s) => s.loadAvg),
      ...(failed.length === 0
        ? {}
        : { error: `${failed.length} of ${rows.length} run(s): ${errors.join('; ')}` }),
    }
  })
}

/** Per share of non-reading clients over the runs, each figure's (and each sample's) median. */
export function summarizeWebSocket(runs: readonly (readonly WebSocketResult[])[]): WebSocketResult[] {
  const variants = [...new Set(runs.flatMap((r) => r.map((w) => w.nonReading)))]
  return variants.map((nonReading) => {
    const rows = runs.flatMap((r) => r.filter((w) => w.nonReading === nonReading))
    const first = rows[0] as WebSocketResult
    const m = (pick: (w: WebSocketResult) => number): number => mid(rows.map(pick))
    return {
      clients: first.clients,
      nonReading,
      machines: first.machines,
      feedRate: first.feedRate,
      baselineRssMB: m((w) => w.baselineRssMB),
      baselineHeapUsedMB: m((w) => w.baselineHeapUsedMB),
      samples: first.samples.map((sample, i) => {
        const at = rows.map((w) => w.samples[i]).filter((s): s is MemorySample => s !== undefined)
        return {
          afterSeconds: sample.afterSeconds,
          rssMB: mid(at.map((s) => s.rssMB)),
          heapUsedMB: mid(at.map((s) => s.heapUsedMB)),
          clients: mid(at.map((s) => s.clients)),
        }
      }),
      peakRssMB: m((w) => w.peakRssMB),
      framesPerSecPerClient: Math.round(median(rows.map((w) => w.framesPerSecPerClient)) * 100) / 100,
      publishedPerSec: Math.round(m((w) => w.publishedPerSec)),
      positionsPerSec: Math.round(m((w) => w.positionsPerSec)),
      receivedMBPerSec: m((w) => w.receivedMBPerSec),
      serverCpuPct: midOrNull(rows.map((w) => w.serverCpuPct)),
      loadAvg: m((w) => w.loadAvg),
    }
  })
}
