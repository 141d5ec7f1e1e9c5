import test from 'ava'
import { highestSustained, keptUp, pauseBetweenStepsMs, shouldRun, type StepFigures } from './steps.ts'

const good: StepFigures = {
  rate: 5000,
  producedPerSec: 4990,
  p99Ms: 180,
  lags: { tracking: 4000, 'sink-clickhouse-pings': 1500 },
  fresh: true,
}

test('a step keeps up when the producer reached the rate, p99 is under the bound and no lag builds', (t) => {
  t.deepEqual(keptUp(good), { keptUp: true, reasons: [] })
})

test('each failed criterion is a reason', (t) => {
  const result = keptUp({
    rate: 5000,
    producedPerSec: 4000,
    p99Ms: 2500,
    lags: { tracking: 15_001, 'sink-read-model': 0 },
    fresh: false,
  })
  t.false(result.keptUp)
  t.deepEqual(result.reasons, [
    'producer reached 4000/s of 5000/s',
    'p99 2500 ms > 2000 ms',
    'tracking lag 15001 > 15000 (3 s of input)',
    'no fresh positions after the phase',
  ])
  t.deepEqual(keptUp({ ...good, p99Ms: null }).reasons, ['no updates received'])
})

test('the criteria are parameters', (t) => {
  t.false(keptUp(good, { maxP99Ms: 100, maxLagSeconds: 3, minProducedShare: 0.95 }).keptUp)
  t.false(keptUp(good, { maxP99Ms: 2000, maxLagSeconds: 0.5, minProducedShare: 0.95 }).keptUp)
})

test('steps above a failure are skipped, except the rates the report needs', (t) => {
  const done = [
    { rate: 1000, keptUp: true },
    { rate: 2000, keptUp: true },
    { rate: 5000, keptUp: false },
  ]
  t.true(shouldRun(2000, done.slice(0, 1), []))
  t.false(shouldRun(10_000, done, [1000, 5000, 20_000]))
  t.true(shouldRun(20_000, done, [1000, 5000, 20_000]))
  t.true(shouldRun(40_000, [{ rate: 20_000, keptUp: true }], []))
})

test('the highest sustained rate is the top of the unbroken run of passes from the bottom', (t) => {
  t.is(
    highestSustained([
      { rate: 1000, keptUp: true },
      { rate: 5000, keptUp: true },
      { rate: 2000, keptUp: true },
      { rate: 10_000, keptUp: false },
      { rate: 20_000, keptUp: true },
    ]),
    5000,
  )
  t.is(highestSustained([{ rate: 1000, keptUp: false }]), null)
  t.is(highestSustained([]), null)
})

test('the pause between steps lets a machine jump back a phase of driving without looking like a GPS jump', (t) => {
  // 40 s at 40 km/h is ~444 m, plausible at the validator's 200 km/h after 8 s.
  t.is(pauseBetweenStepsMs(40_000), 10_000)
  t.true(pauseBetweenStepsMs(70_000) > (70_000 * 40) / 200)
})
