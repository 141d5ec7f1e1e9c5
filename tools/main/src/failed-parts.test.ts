import test from 'ava'
import type { PlatformHealth } from './module.ts'
import { platformFailures } from './failed-parts.ts'

const part = (live: boolean, state: string) => ({ live, ready: live, state })

function platform(): { health(): PlatformHealth; set(h: PlatformHealth): void } {
  let current: PlatformHealth = {
    applications: { orders: part(true, 'RUNNING') },
    sinks: { 'pings-clickhouse': part(true, 'RUNNING') } as never,
  }
  return { health: () => current, set: (h) => (current = h) }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('the platform goes to ERROR, once, when an application or a sink failed for good', async (t) => {
  const p = platform()
  const failures = platformFailures(p, 10)
  t.teardown(() => failures.stop())
  const seen: string[] = []
  failures.onStateChange((next) => seen.push(next))
  await tick(40)
  t.is(failures.state, 'RUNNING')
  t.deepEqual(seen, [])
  p.set({
    applications: { orders: part(false, 'ERROR'), inventory: part(true, 'RUNNING') },
    sinks: { 'pings-clickhouse': part(false, 'FAILED') } as never,
  })
  await tick(40)
  t.is(failures.state, 'ERROR')
  t.deepEqual(seen, ['ERROR'], 'told once')
  t.is(failures.error?.code, 'OXA_PLATFORM_PART_FAILED')
  t.is(failures.error?.message, 'orders failed (ERROR), sink pings-clickhouse failed (FAILED)')
})

test('stopped, it looks no more: parts stopping while the platform closes are not failures', async (t) => {
  const p = platform()
  const failures = platformFailures(p, 10)
  failures.stop()
  p.set({ applications: { orders: part(false, 'NOT_RUNNING') }, sinks: {} })
  await tick(40)
  t.is(failures.state, 'RUNNING')
})
