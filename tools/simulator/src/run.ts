import { SIM_ERROR_CODES, SimError } from './errors.ts'
import type { Fleet, PingCounts } from './fleet.ts'
import type { PingSink } from './sink.ts'

export interface RunOptions {
  readonly fleet: Fleet
  readonly sink: PingSink
  /** How long to run, ms; undefined runs until the signal aborts. */
  readonly durationMs?: number
  /** How often pings due are collected and sent; default 100 ms. */
  readonly tickMs?: number
  /** The clock pings are stamped with; the wall clock by default. */
  readonly now?: () => number
  readonly signal?: AbortSignal
  /** Called after each tick with the counts so far (progress lines, metrics). */
  readonly onTick?: (counts: PingCounts, nowMs: number) => void
}

export interface RunResult {
  readonly counts: PingCounts
  readonly total: number
  readonly startedAt: number
  readonly endedAt: number
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Publishes the geofences, then sends the fleet's pings in real time until the duration ends. */
export async function runSimulator(options: RunOptions): Promise<RunResult> {
  const now = options.now ?? Date.now
  const tickMs = options.tickMs ?? 100
  if (!(tickMs > 0)) {
    throw new SimError(SIM_ERROR_CODES.INVALID_OPTIONS, '/options/tickMs must be > 0', {
      context: { path: '/options/tickMs' },
    })
  }
  const startedAt = now()
  await options.sink.publishGeofences(options.fleet.geofences(startedAt))
  const end = options.durationMs === undefined ? Infinity : startedAt + options.durationMs
  let current = startedAt
  while (options.signal?.aborted !== true) {
    current = Math.min(now(), end)
    const pings = options.fleet.tick(current)
    if (pings.length > 0) await options.sink.send(pings)
    options.onTick?.(options.fleet.counts(), current)
    if (current >= end) break
    // Sleeps to the next tick boundary, so a slow send does not make the rate drift.
    await sleep(Math.max(0, tickMs - (now() - current)), options.signal)
  }
  const counts = options.fleet.counts()
  return {
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    startedAt,
    endedAt: current,
  }
}
