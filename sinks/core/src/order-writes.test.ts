import test from 'ava'
import { commerceTarget, type ApplyResult, type CommerceStore } from './commerce-stores.ts'
import type { ConflatedCommerce } from './commerce-conflate.ts'
import { OrderWrites } from './order-writes.ts'
import { orderDeleted, orderPlaced, orderStatus, sampleOrderId, step } from './testing/index.ts'

const T0 = Date.UTC(2026, 0, 1)

/** A store that records its batches, or refuses them. */
function store(refuse = false) {
  const applied: ConflatedCommerce[] = []
  return {
    applied,
    store: {
      migrate: async () => {},
      apply: async (batch: ConflatedCommerce): Promise<ApplyResult> => {
        if (refuse) throw new Error('the database refused the batch')
        applied.push(batch)
        return { applied: batch.orders.length, stale: 0 }
      },
    } as unknown as CommerceStore,
  }
}

test('a watcher hears of its order after each durable write, and of no other; unwatched, of none', async (t) => {
  const writes = new OrderWrites()
  const heard: string[] = []
  const { store: s, applied } = store()
  const target = commerceTarget('orders', s, writes)
  const [a, c] = ['a', 'c'].map(sampleOrderId) as [string, string]
  const stopA = writes.watch(a, () => heard.push(`a after ${applied.length} batch(es)`))
  writes.watch(c, () => heard.push('c'))
  await target.write([
    orderPlaced('a', T0),
    orderStatus('a', 2, { state: 'CONFIRMED' }),
    orderPlaced('b', T0),
  ])
  t.deepEqual(heard, ['a after 1 batch(es)'], 'once per batch, after it was applied')
  // A payment or a deletion is a write of its order too.
  await target.write([step('p', 'c', 'AUTHORISED', 4)])
  await target.write([orderDeleted('a', 9)])
  t.deepEqual(heard, ['a after 1 batch(es)', 'c', 'a after 3 batch(es)'])
  stopA()
  await target.write([orderStatus('a', 3)])
  t.is(heard.length, 3)
  t.is(writes.watched, 1, 'only c is watched')
})

test('a write the store refuses tells nobody', async (t) => {
  const writes = new OrderWrites()
  let heard = 0
  writes.watch(sampleOrderId('a'), () => heard++)
  const { store: s } = store(true)
  await t.throwsAsync(commerceTarget('orders', s, writes).write([orderPlaced('a', T0)]), {
    message: 'the database refused the batch',
  })
  t.is(heard, 0)
})
