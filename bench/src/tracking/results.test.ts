import test from 'ava'
import {
  summarizeSinks,
  summarizeSteps,
  summarizeWebSocket,
  type LatencyRun,
  type LatencyStep,
  type SinkResult,
  type WebSocketResult,
} from './results.ts'

function step(rate: number, p99Ms: number | null, keptUp: boolean): LatencyStep {
  return {
    rate,
    producedPerSec: rate,
    pings: rate * 30,
    positions: rate * 30,
    frames: 300,
    p50Ms: 50,
    p99Ms,
    maxMs: p99Ms,
    topicP50Ms: 20,
    topicP99Ms: p99Ms,
    lags: { tracking: 10, clickhouse: 20, readModel: 30 },
    deadLetters: 0,
    platformCpuPct: 50,
    producerCpuPct: 10,
    eventLoopP99Ms: null,
    platformRssMB: 300,
    loadAvg: 1,
    failedSinks: keptUp ? [] : ['read-model'],
    keptUp,
    keptUpWithoutReadModel: true,
    reasons: [],
  }
}

const run = (steps: LatencyStep[]): LatencyRun => ({
  guarantee: 'at_least_once',
  steps,
  highestSustainedRate: null,
  highestSustainedRateWithoutReadModel: null,
})

test('steps: each figure is its median over the runs, kept up when most runs kept up', (t) => {
  const [only, second] = summarizeSteps([
    run([step(1000, 100, true), step(5000, 300, true)]),
    run([step(1000, 120, true), step(5000, 900, false)]),
    run([step(1000, 80, false), step(5000, null, false)]),
  ])
  t.is(only?.rate, 1000)
  t.is(only?.p99Ms, 100)
  t.true(only?.keptUp)
  t.is(second?.p99Ms, 600, 'the median of the runs that have a figure')
  t.false(second?.keptUp)
  t.deepEqual(second?.failedSinks, ['read-model'])
  t.deepEqual(second?.reasons, ['kept up in 1 of 3 run(s)'])
})

test('sinks: medians per target, a rate only from the runs that finished, errors kept', (t) => {
  const sink = (recordsPerSec: number | null, error?: string): SinkResult => ({
    target: 'mongodb',
    topic: 'p.fleet.machine-positions.v1',
    records: 1000,
    recordsDone: recordsPerSec === null ? 400 : 1000,
    recordsPerSec,
    rowsWritten: 10,
    rowsPerSec: recordsPerSec,
    seconds: 1,
    cpuPct: null,
    loadAvg: 1,
    ...(error === undefined ? {} : { error }),
  })
  const [row] = summarizeSinks([[sink(100)], [sink(300)], [sink(null, 'stalled')]])
  t.is(row?.recordsPerSec, 200)
  t.is(row?.recordsDone, 1000)
  t.is(row?.error, '1 of 3 run(s): stalled')
})

test('websocket: each sample is its median over the runs', (t) => {
  const ws = (rssMB: number): WebSocketResult => ({
    clients: 1000,
    nonReading: 100,
    machines: 2000,
    feedRate: 5000,
    baselineRssMB: 100,
    baselineHeapUsedMB: 20,
    samples: [{ afterSeconds: 10, rssMB, heapUsedMB: 50, clients: 1000 }],
    peakRssMB: rssMB,
    framesPerSecPerClient: 5,
    publishedPerSec: 5000,
    positionsPerSec: 1e6,
    receivedMBPerSec: 100,
    serverCpuPct: 95,
    loadAvg: 2,
  })
  const [row] = summarizeWebSocket([[ws(300)], [ws(500)], [ws(400)]])
  t.is(row?.samples[0]?.rssMB, 400)
  t.is(row?.peakRssMB, 400)
})
