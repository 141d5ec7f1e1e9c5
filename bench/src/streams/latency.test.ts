import test from 'ava'
import { CountLatencyTracker, PingLatencyTracker } from './latency.ts'

function windowedKey(key: string, start: number): Buffer {
  const bytes = Buffer.from(key)
  const out = Buffer.alloc(bytes.length + 8)
  bytes.copy(out)
  out.writeBigInt64BE(BigInt(start), bytes.length)
  return out
}

function long(n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(BigInt(n))
  return b
}

test('windowed: the n-th count of a key and window answers the n-th input sent to it', (t) => {
  const tracker = new CountLatencyTracker(60_000)
  tracker.expect('m1', 120_010)
  tracker.expect('m1', 120_020)
  tracker.expect('m2', 120_030)
  t.is(tracker.pending, 3)
  tracker.onOutput(windowedKey('m1', 120_000), long(1), 120_015, 120_016)
  tracker.onOutput(windowedKey('m2', 120_000), long(1), 120_040, 120_050)
  tracker.onOutput(windowedKey('m1', 120_000), long(2), 120_060, 120_061)
  t.is(tracker.pending, 0)
  t.deepEqual(tracker.latencies(), { append: [5, 10, 40], visible: [6, 20, 41] })
})

test('windowed: a count that jumps answers every input up to it; a repeated count answers none', (t) => {
  const tracker = new CountLatencyTracker(1000)
  for (const at of [1000, 1100, 1200]) tracker.expect('k', at)
  tracker.onOutput(windowedKey('k', 1000), long(3), 1300, 1300)
  tracker.onOutput(windowedKey('k', 1000), long(3), 1400, 1400)
  t.deepEqual(tracker.latencies().append, [300, 200, 100])
  t.is(tracker.pending, 0)
})

test('windowed: inputs in two windows of one key count separately; unknown keys are ignored', (t) => {
  const tracker = new CountLatencyTracker(1000)
  tracker.expect('k', 1999)
  tracker.expect('k', 2000)
  tracker.onOutput(windowedKey('k', 2000), long(1), 2005, 2005)
  tracker.onOutput(windowedKey('other', 2000), long(1), 2005, 2005)
  tracker.onOutput(windowedKey('k', 1000), long(1), 2010, 2010)
  t.deepEqual(tracker.latencies().append, [5, 11])
})

test('windowed: a count beyond the inputs sent is capped, a malformed record skipped', (t) => {
  const tracker = new CountLatencyTracker(1000)
  tracker.expect('k', 10)
  tracker.onOutput(windowedKey('k', 0), long(5), 20, 20)
  tracker.onOutput(null, long(1), 20, 20)
  tracker.onOutput(windowedKey('k', 0), Buffer.alloc(3), 20, 20)
  t.deepEqual(tracker.latencies().append, [10])
})

test('stateless: latency from the eventTime in the value; a duplicate output counts once', (t) => {
  const decode = (value: Buffer): { pingId: string; eventTime: number } =>
    JSON.parse(value.toString()) as { pingId: string; eventTime: number }
  const tracker = new PingLatencyTracker(decode)
  tracker.expect()
  tracker.expect()
  const a = Buffer.from(JSON.stringify({ pingId: 'a', eventTime: 100 }))
  tracker.onOutput(null, a, 130, 150)
  tracker.onOutput(null, a, 170, 190)
  t.is(tracker.pending, 1)
  tracker.onOutput(null, Buffer.from(JSON.stringify({ pingId: 'b', eventTime: 200 })), 205, 260)
  tracker.onOutput(null, null, 0, 0)
  t.is(tracker.pending, 0)
  t.deepEqual(tracker.latencies(), { append: [30, 5], visible: [50, 60] })
})
