import test from 'ava'
import { HeartbeatPacer } from './heartbeat.ts'

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
  t.false(pacer.due(before + 999))
  const now = Date.now()
  t.true(pacer.due(now + 1000))
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
