import test from 'ava'
import { BrokerWatch } from './broker-watch.ts'

/** A watch on a fake clock whose probes the test settles by hand. */
function watched(unreachableAfterMs = 5000, intervalMs = 1000) {
  let now = 0
  const probes: { resolve: () => void; reject: (e: Error) => void }[] = []
  const changes: boolean[] = []
  const watch = new BrokerWatch({
    probe: () => new Promise<void>((resolve, reject) => probes.push({ resolve, reject })),
    intervalMs,
    unreachableAfterMs,
    onChange: (reachable) => changes.push(reachable),
    now: () => now,
  })
  const settle = () => new Promise((r) => setImmediate(r))
  return {
    watch,
    probes,
    changes,
    settle,
    /** Moves the clock one interval and ticks. */
    step: () => {
      now += intervalMs
      watch.tick()
    },
  }
}

test('one slow or failed probe does not make the broker unreachable', async (t) => {
  const w = watched()
  w.step()
  w.probes[0]!.reject(new Error('request timed out'))
  await w.settle()
  for (let i = 0; i < 3; i++) w.step()
  w.probes.at(-1)!.resolve()
  await w.settle()
  w.step()
  t.true(w.watch.isReachable)
  t.deepEqual(w.changes, [])
})

test('no answer for the bound (probes failing or still waiting) is unreachable; an answer makes it reachable again', async (t) => {
  const w = watched()
  for (let i = 0; i < 5; i++) w.step()
  t.true(w.watch.isReachable, 'exactly the bound is not past it')
  w.step()
  t.false(w.watch.isReachable)
  t.deepEqual(w.changes, [false])
  // Probes overlap: a young one keeps starting while old ones wait on the client's retries.
  const started = w.probes.length
  w.step()
  t.true(w.probes.length > started)
  w.probes.at(-1)!.resolve()
  await w.settle()
  t.true(w.watch.isReachable)
  t.deepEqual(w.changes, [false, true])
})

test('a watch with interval 0 never starts', (t) => {
  const w = watched(5000, 0)
  w.watch.start()
  t.true(w.watch.isReachable)
  t.is(w.probes.length, 0)
  w.watch.stop()
})
