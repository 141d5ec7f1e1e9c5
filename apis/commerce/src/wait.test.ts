import test from 'ava'
import type { OrderView } from '@oxagry/sink'
import { OrderStatusBroadcast, statusOf } from './live/feed.ts'
import { orderView } from './testing.ts'
import { DecisionHints, waitForOrder, type WaitOptions } from './wait.ts'

/** A read model of one order that counts its reads. */
function model(initial: OrderView | undefined) {
  let order = initial
  let reads = 0
  return {
    getOrder: async () => {
      reads++
      return order
    },
    set: (next: OrderView) => void (order = next),
    reads: () => reads,
  }
}

const ID = '00000000-0000-4000-8000-000000000001'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Hints on a feed of their own, closed after the test. */
function hintsOf(t: { teardown(fn: () => void): void }, feed = new OrderStatusBroadcast()) {
  const hints = new DecisionHints(feed)
  t.teardown(() => hints.close())
  return { feed, hints }
}

/** The options every test waits with: reads every 10 ms once hinted, every `idlePollMs` before. */
const waitOptions = (hints: DecisionHints, over: Partial<WaitOptions> = {}): WaitOptions => ({
  timeoutMs: 5_000,
  pollMs: 10,
  idlePollMs: 60_000,
  hints,
  ...over,
})

test('with the feed, the view is read once, then again only when the decision reached Kafka', async (t) => {
  const { feed, hints } = hintsOf(t)
  const m = model(orderView(ID))
  const waiting = waitForOrder(m, ID, 'decision', waitOptions(hints))
  await sleep(100)
  feed.publish(statusOf(orderView(ID, { state: 'PLACED', version: 2 })))
  await sleep(100)
  t.is(m.reads(), 1, 'a change that does not end the wait reads nothing')
  const confirmed = orderView(ID, { state: 'CONFIRMED', version: 3 })
  feed.publish(statusOf(confirmed))
  // The view lags the topic: read every pollMs until it shows the decision.
  await sleep(50)
  const readsWhileBehind = m.reads()
  t.true(readsWhileBehind >= 3, `read ${readsWhileBehind} times while the view was behind`)
  m.set(confirmed)
  const { order, satisfied } = await waiting
  t.true(satisfied)
  t.is(order?.state, 'CONFIRMED')
})

test('a decision that reached Kafka before the wait began counts', async (t) => {
  const { feed, hints } = hintsOf(t)
  const confirmed = orderView(ID, { state: 'CONFIRMED', version: 3 })
  feed.publish(statusOf(confirmed))
  const m = model(orderView(ID))
  setTimeout(() => m.set(confirmed), 30)
  const started = Date.now()
  const { satisfied } = await waitForOrder(m, ID, 'decision', waitOptions(hints))
  t.true(satisfied)
  t.true(Date.now() - started < 1_000, 'read at pollMs, not idlePollMs')
})

test('without a change on the feed, the view is still read every idlePollMs', async (t) => {
  const { hints } = hintsOf(t)
  const m = model(undefined)
  setTimeout(() => m.set(orderView(ID, { state: 'CANCELLED', version: 2 })), 50)
  const { order, satisfied } = await waitForOrder(m, ID, 'CONFIRMED', waitOptions(hints, { idlePollMs: 100 }))
  t.true(satisfied, 'CANCELLED ends a wait for CONFIRMED')
  t.is(order?.state, 'CANCELLED')
  t.true(m.reads() <= 3)
})

test('the client going away ends the wait at once; the hints forget the order', async (t) => {
  const { hints } = hintsOf(t)
  const abort = new AbortController()
  const m = model(orderView(ID))
  setTimeout(() => abort.abort(), 50)
  const started = Date.now()
  const { satisfied } = await waitForOrder(
    m,
    ID,
    'decision',
    waitOptions(hints, { timeoutMs: 30_000, signal: abort.signal }),
  )
  t.false(satisfied)
  t.true(Date.now() - started < 1_000)
  t.is(hints.watched, 0)
})
