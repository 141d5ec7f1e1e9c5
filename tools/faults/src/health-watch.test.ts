import test from 'ava'
import { healthLies, summarize, type HealthSample } from './health-watch.ts'

const sample = (at: number, sink: boolean, app = true): HealthSample => ({
  at,
  parts: {
    app: { ready: app, state: 'RUNNING' },
    sink: { ready: sink, state: sink ? 'RUNNING' : 'RETRYING' },
  },
})

test('a part that said not ready during the outage and ready after it told the truth', (t) => {
  const samples = [
    sample(0, true),
    sample(100, true),
    sample(200, false),
    sample(300, false),
    sample(400, true),
  ]
  const summary = summarize(samples, { from: 100, restoredAt: 350 })
  t.deepEqual(summary.notReadyDuring, ['sink'])
  t.deepEqual(summary.notReadyAfterMs, { sink: 100 }, 'noticed 100 ms after the injection')
  t.deepEqual(summary.readyAgainAfterMs, { sink: 50 }, 'ready 50 ms after the service was back')
  t.deepEqual(summary.statesDuring.sink, ['RUNNING', 'RETRYING (not ready)', 'RUNNING'])
  t.deepEqual(summary.statesDuring.app, ['RUNNING'])
  t.is(summary.readyAfterMs, 50)
  t.deepEqual(healthLies(summary, ['sink']), [])
})

test('a part that stayed ready through a fault it could not work through lied', (t) => {
  const summary = summarize([sample(0, true), sample(200, true), sample(400, true)], {
    from: 100,
    restoredAt: 300,
  })
  t.deepEqual(summary.notReadyDuring, [])
  t.deepEqual(healthLies(summary, ['sink']), ['sink said ready throughout although it could not work'])
})

test('parts never ready again after the fault are reported, and no time to ready is made up', (t) => {
  const summary = summarize([sample(0, true), sample(200, false), sample(400, false, false)], {
    from: 100,
    restoredAt: 300,
  })
  t.is(summary.readyAfterMs, undefined)
  t.deepEqual(summary.notReadyDuring, ['app', 'sink'])
  t.deepEqual(healthLies(summary, ['sink']), ['not every part was ready again after the fault'])
})

test('samples before the injection do not count as the fault', (t) => {
  const summary = summarize([sample(0, false), sample(200, true)], { from: 100, restoredAt: 150 })
  t.deepEqual(summary.notReadyDuring, [])
  t.is(summary.readyAfterMs, 50)
})
