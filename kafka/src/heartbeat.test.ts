import test from 'ava'
import { HEARTBEAT_ASKS_PER_INTERVAL, HeartbeatPacer, heartbeatWhile } from './heartbeat.ts'

/**
 * A client that heartbeats as kafkajs does: asked, it sends only when a full interval has passed since
 * its last heartbeat was answered, and the answer takes `latencyMs`. Records when each was sent.
 */
function gatedClient(intervalMs: number, latencyMs: number) {
  const sent: number[] = []
  let answeredAt = Date.now()
  const heartbeat = async (): Promise<void> => {
    const now = Date.now()
    if (now < answeredAt + intervalMs) return
    sent.push(now)
    await new Promise((resolve) => setTimeout(resolve, latencyMs))
    answeredAt = Date.now()
  }
  const longestGap = (from: number, to: number): number => {
    const times = [from, ...sent, to]
    return Math.max(...times.slice(1).map((time, i) => time - times[i]!))
  }
  return { heartbeat, sent, longestGap }
}

test('a pacer is due once per interval of the batch it follows, and never for a client that heartbeats by itself', async (t) => {
  const pacer = new HeartbeatPacer(() => {})
  let asked = 0
  pacer.follow({ heartbeat: async () => void asked++ })
  t.false(pacer.due(), 'no interval named: librdkafka and the memory broker need no asking')
  pacer.follow({ heartbeat: async () => void asked++, heartbeatIntervalMs: 1000 })
  t.true(pacer.due())
  const before = Date.now()
  await pacer.beat()
  t.is(asked, 1)
  const ask = 1000 / HEARTBEAT_ASKS_PER_INTERVAL
  t.false(pacer.due(before + ask - 1))
  const now = Date.now()
  t.true(pacer.due(now + ask), 'asked more often than the interval: the client decides when to send')
  pacer.forget()
  t.false(pacer.due(now + 10_000), 'a member that is gone is not asked')
})

test("a beat does not wait for the broker's answer, and a failed heartbeat goes to the error handler", async (t) => {
  const failures: unknown[] = []
  const pacer = new HeartbeatPacer((error) => failures.push(error))
  pacer.follow({ heartbeat: () => new Promise<void>(() => {}), heartbeatIntervalMs: 1 })
  await pacer.beat()
  const refusal = new Error('The group is rebalancing')
  pacer.follow({ heartbeat: () => Promise.reject(refusal), heartbeatIntervalMs: 1 })
  await pacer.beat()
  t.deepEqual(failures, [refusal])
})

test('work that waits longer than the session gets heartbeats at most an interval and a third apart from a client that sends only when its interval is up', async (t) => {
  const intervalMs = 300
  const client = gatedClient(intervalMs, 20)
  const started = Date.now()
  await heartbeatWhile(
    () => new Promise((resolve) => setTimeout(resolve, 10 * intervalMs)),
    client.heartbeat,
    intervalMs,
    () => {},
  )
  const gap = client.longestGap(started, Date.now())
  // Asked once per interval, the client skipped every other ask: two intervals (600 ms) apart.
  t.true(gap < 1.6 * intervalMs, `the longest time without a heartbeat: ${gap} ms`)
  t.true(client.sent.length >= 7, `${client.sent.length} heartbeats in ten intervals`)
})

test('a pacer asking whenever due gets heartbeats at most an interval and a third apart from a client that sends only when its interval is up', async (t) => {
  const intervalMs = 300
  const client = gatedClient(intervalMs, 20)
  const pacer = new HeartbeatPacer(() => {})
  pacer.follow({ heartbeat: client.heartbeat, heartbeatIntervalMs: intervalMs })
  const started = Date.now()
  // A record loop: short slices of work, asking whenever the pacer says so.
  while (Date.now() - started < 10 * intervalMs) {
    if (pacer.due()) await pacer.beat()
    else await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const gap = client.longestGap(started, Date.now())
  t.true(gap < 1.6 * intervalMs, `the longest time without a heartbeat: ${gap} ms`)
})
