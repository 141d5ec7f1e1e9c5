import test from 'ava'
import { MemoryBackend } from '@oxagry/kafka'
import { pino } from 'pino'
import { followTopic } from './live-view.ts'

const value = (n: number) => ({
  topic: 'positions',
  key: Buffer.from(`m${n % 50}`),
  value: Buffer.from(String(n)),
  timestamp: Date.now(),
  headers: {},
})

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

test('a live view is loaded once what the topic held is read, and keeps up after', async (t) => {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'positions', partitions: 2, config: {} })
  backend.broker.append(Array.from({ length: 2000 }, (_, n) => value(n)))
  const seen: number[] = []
  let gate: () => void = () => {}
  const held = new Promise<void>((resolve) => (gate = resolve))
  const view = await followTopic({
    backend,
    topic: 'positions',
    readCommitted: false,
    logger: pino({ level: 'silent' }),
    onValue: async (bytes) => {
      // The backlog is slow to apply: the view must not say it is loaded before it is.
      if (seen.length === 100) await held
      seen.push(Number(bytes.toString()))
    },
  })
  t.teardown(() => view.stop())
  await until(() => seen.length === 100)
  t.false(view.loaded(), 'not loaded while the backlog is being read')
  gate()
  await until(() => view.loaded())
  t.is(seen.length, 2000)
  backend.broker.append([value(2000), value(2001)])
  await until(() => seen.length === 2002)
  t.deepEqual(seen.slice(-2).sort(), [2000, 2001])
})
