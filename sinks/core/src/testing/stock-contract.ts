import type { ExecutionContext } from 'ava'
import { conflateStock } from '../commerce-conflate.ts'
import type { StockStore } from '../commerce-stores.ts'
import type { StockWrite } from '../commerce-writes.ts'
import { SINK_ERROR_CODES, SinkError } from '../errors.ts'
import { stockDeleted, stockLevel } from './commerce-samples.ts'

type Register = (title: string, body: (t: ExecutionContext) => Promise<void>) => void

/**
 * The behaviour every StockStore must have (MongoDB, PostgreSQL). `open` returns an empty store of its
 * own per test, migrated, so the suite may run concurrently.
 */
export function stockStoreContract(name: string, test: Register, open: () => Promise<StockStore>): void {
  const check = (title: string, body: (t: ExecutionContext, store: StockStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const store = await open()
      try {
        await body(t, store)
      } finally {
        await store.close()
      }
    })
  const apply = (store: StockStore, ...writes: StockWrite[]) => store.apply(conflateStock(writes))

  check('stores a level and reads it back whole', async (t, store) => {
    t.deepEqual(await apply(store, stockLevel('P-1', 'W-1', 3, { lowStockThreshold: 5 })), {
      applied: 1,
      stale: 0,
    })
    t.deepEqual(await store.stock({ productId: 'P-1', warehouseId: 'W-1' }), [
      {
        productId: 'P-1',
        warehouseId: 'W-1',
        onHand: 100,
        reserved: 10,
        available: 90,
        lowStockThreshold: 5,
        updatedAt: Date.UTC(2026, 0, 1) + 3000,
        version: 3,
      },
    ])
    t.deepEqual(await store.stock({ productId: 'P-unknown' }), [])
  })

  check('an older or equal version never overwrites; a replay changes nothing', async (t, store) => {
    await apply(store, stockLevel('P-1', 'W-1', 5, { onHand: 50 }))
    t.deepEqual(await apply(store, stockLevel('P-1', 'W-1', 4, { onHand: 40 })), { applied: 0, stale: 1 })
    t.deepEqual(await apply(store, stockLevel('P-1', 'W-1', 5, { onHand: 55 })), { applied: 0, stale: 1 })
    t.is((await store.stock({ productId: 'P-1' }))[0]?.onHand, 50)
    t.deepEqual(await apply(store, stockLevel('P-1', 'W-1', 6, { onHand: 60 })), { applied: 1, stale: 0 })
    t.is((await store.stock({ productId: 'P-1' }))[0]?.onHand, 60)
  })

  check('within one batch the highest version per key wins, in any order', async (t, store) => {
    t.deepEqual(
      await apply(
        store,
        stockLevel('P-1', 'W-1', 7, { onHand: 7 }),
        stockLevel('P-2', 'W-1', 1, { onHand: 1 }),
        stockLevel('P-1', 'W-1', 9, { onHand: 9 }),
        stockLevel('P-1', 'W-1', 8, { onHand: 8 }),
      ),
      { applied: 2, stale: 0 },
    )
    t.is((await store.stock({ productId: 'P-1' }))[0]?.onHand, 9)
    t.is((await store.stock({ productId: 'P-2' }))[0]?.onHand, 1)
  })

  check('a tombstone deletes; a later level brings the key back', async (t, store) => {
    await apply(store, stockLevel('P-1', 'W-1', 1), stockLevel('P-1', 'W-2', 1))
    t.deepEqual(await apply(store, stockDeleted('P-1', 'W-1', 10)), { applied: 1, stale: 0 })
    t.deepEqual(
      (await store.stock({ productId: 'P-1' })).map((s) => s.warehouseId),
      ['W-2'],
    )
    // A tombstone of a key the store does not hold is no error.
    t.deepEqual(await apply(store, stockDeleted('P-9', 'W-9', 11)), { applied: 0, stale: 1 })
    // In one batch the later record decides: level then tombstone deletes, tombstone then level keeps.
    await apply(store, stockLevel('P-1', 'W-2', 2, { position: 20 }), stockDeleted('P-1', 'W-2', 21))
    t.deepEqual(await store.stock({ productId: 'P-1' }), [])
    await apply(store, stockDeleted('P-1', 'W-3', 30), stockLevel('P-1', 'W-3', 1, { position: 31 }))
    t.deepEqual(
      (await store.stock({ productId: 'P-1' })).map((s) => s.warehouseId),
      ['W-3'],
    )
  })

  check('reads by product (by warehouse), by warehouse (by product), or both', async (t, store) => {
    await apply(
      store,
      stockLevel('P-2', 'W-2', 1),
      stockLevel('P-1', 'W-2', 1),
      stockLevel('P-1', 'W-1', 1),
      stockLevel('P-2', 'W-1', 1),
    )
    const keys = (rows: readonly { productId: string; warehouseId: string }[]) =>
      rows.map((r) => `${r.productId}|${r.warehouseId}`)
    t.deepEqual(keys(await store.stock({ productId: 'P-1' })), ['P-1|W-1', 'P-1|W-2'])
    t.deepEqual(keys(await store.stock({ warehouseId: 'W-1' })), ['P-1|W-1', 'P-2|W-1'])
    t.deepEqual(keys(await store.stock({ productId: 'P-2', warehouseId: 'W-2' })), ['P-2|W-2'])
  })

  check('low stock: available at or below a set threshold, by product then warehouse', async (t, store) => {
    await apply(
      store,
      stockLevel('P-3', 'W-1', 1, { onHand: 5, reserved: 0, lowStockThreshold: 5 }),
      stockLevel('P-1', 'W-2', 1, { onHand: 10, reserved: 8, lowStockThreshold: 3 }),
      stockLevel('P-1', 'W-1', 1, { onHand: 10, reserved: 0, lowStockThreshold: 3 }),
      stockLevel('P-2', 'W-1', 1, { onHand: 0, reserved: 0, lowStockThreshold: null }),
      stockLevel('P-0', 'W-1', 1, { onHand: 0, reserved: 0, lowStockThreshold: 0 }),
    )
    const keys = (rows: readonly { productId: string; warehouseId: string }[]) =>
      rows.map((r) => `${r.productId}|${r.warehouseId}`)
    t.deepEqual(keys(await store.lowStock()), ['P-0|W-1', 'P-1|W-2', 'P-3|W-1'])
    t.deepEqual(keys(await store.lowStock(2)), ['P-0|W-1', 'P-1|W-2'])
    // Restocked: no longer low.
    await apply(store, stockLevel('P-1', 'W-2', 2, { onHand: 50, reserved: 8, lowStockThreshold: 3 }))
    t.deepEqual(keys(await store.lowStock()), ['P-0|W-1', 'P-3|W-1'])
  })

  check('a batch of 250 keys, then newer levels of all of them, lands whole', async (t, store) => {
    // FerretDB v1 hangs on 100 upserts of existing documents in one command, so a store must cut them.
    const products = Array.from({ length: 250 }, (_, i) => `P-${String(i).padStart(3, '0')}`)
    t.deepEqual(await apply(store, ...products.map((p) => stockLevel(p, 'W-1', 1, { onHand: 1 }))), {
      applied: 250,
      stale: 0,
    })
    t.deepEqual(await apply(store, ...products.map((p) => stockLevel(p, 'W-1', 2, { onHand: 2 }))), {
      applied: 250,
      stale: 0,
    })
    const rows = await store.stock({ warehouseId: 'W-1' })
    t.is(rows.length, 250)
    t.true(rows.every((r) => r.onHand === 2 && r.version === 2))
  })

  check('rejects a query without ids, an empty id or a bad limit, naming the parameter', async (t, store) => {
    for (const [call, path] of [
      [() => store.stock({}), '/query/productId'],
      [() => store.stock({ productId: '' }), '/query/productId'],
      [() => store.stock({ warehouseId: '' }), '/query/warehouseId'],
      [() => store.lowStock(0), '/query/limit'],
      [() => store.lowStock(5000), '/query/limit'],
      [() => store.lowStock(1.5), '/query/limit'],
    ] as const) {
      const error = await t.throwsAsync(call, { instanceOf: SinkError })
      t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY)
      t.is(error?.context.path, path)
    }
  })
}
