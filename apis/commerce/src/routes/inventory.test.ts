import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { stockView } from '../testing.ts'
import { testServer } from '../test-server.ts'

const json = { 'content-type': 'application/json' }

test('GET /inventory/stock by product, by warehouse or both; both unknown 404; neither 400', async (t) => {
  const s = await testServer(t)
  s.views.putStock(stockView('SEED-WHEAT-25KG', 'wh-north'))
  s.views.putStock(stockView('SEED-WHEAT-25KG', 'wh-south', { onHand: 5, available: 5, reserved: 0 }))
  s.views.putStock(stockView('FERT-NPK-600KG', 'wh-north'))
  const get = (query: string) =>
    s.app.inject({ url: `/api/v1/inventory/stock?${query}`, headers: s.bearer(s.tokens.reader) })
  const product = await get('productId=SEED-WHEAT-25KG')
  t.is(product.statusCode, 200)
  t.deepEqual(
    product.json().stock.map((r: { warehouseId: string; available: number }) => [r.warehouseId, r.available]),
    [
      ['wh-north', 90],
      ['wh-south', 5],
    ],
  )
  t.is(product.json().stock[0].updatedAt, '2023-11-14T22:13:20.000Z')
  t.is(product.json().stock[0].version, undefined)
  t.is((await get('warehouseId=wh-north')).json().stock.length, 2)
  t.is((await get('productId=SEED-WHEAT-25KG&warehouseId=wh-south')).json().stock.length, 1)
  const none = await get('productId=SEED-WHEAT-25KG&warehouseId=wh-east')
  t.is(none.statusCode, 404)
  t.is(none.json().code, 'OXA_API_NOT_FOUND')
  const neither = await get('')
  t.is(neither.statusCode, 400)
  t.is(neither.json().message, 'querystring must have productId or warehouseId')
  const bad = await get('productId=a%7Cb')
  t.is(bad.statusCode, 400)
  t.regex(bad.json().message, /querystring\/productId must match pattern/)
})

test('GET /inventory/low-stock: rows at or below their threshold, by product; the limit is checked', async (t) => {
  const s = await testServer(t)
  s.views.putStock(stockView('B', 'wh-1', { available: 20, lowStockThreshold: 20 }))
  s.views.putStock(stockView('A', 'wh-1', { available: 3, lowStockThreshold: 20 }))
  s.views.putStock(stockView('C', 'wh-1', { available: 21, lowStockThreshold: 20 }))
  s.views.putStock(stockView('D', 'wh-1', { available: 0, lowStockThreshold: null }))
  const res = await s.app.inject({ url: '/api/v1/inventory/low-stock', headers: s.bearer(s.tokens.reader) })
  t.is(res.statusCode, 200)
  t.deepEqual(
    res.json().stock.map((r: { productId: string }) => r.productId),
    ['A', 'B'],
  )
  const one = await s.app.inject({
    url: '/api/v1/inventory/low-stock?limit=1',
    headers: s.bearer(s.tokens.reader),
  })
  t.is(one.json().stock.length, 1)
  const bad = await s.app.inject({
    url: '/api/v1/inventory/low-stock?limit=5000',
    headers: s.bearer(s.tokens.reader),
  })
  t.is(bad.statusCode, 400)
  t.regex(bad.json().message, /querystring\/limit must be <= 1000/)
})

test('POST /inventory/adjustments: operators only; an AdjustStock command keyed by product|warehouse, idempotent by key', async (t) => {
  const s = await testServer(t)
  const adjust = (token: string, key: string | undefined, body: unknown) =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/inventory/adjustments',
      headers: { ...s.bearer(token), ...json, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload: JSON.stringify(body),
    })
  const body = {
    productId: 'SEED-WHEAT-25KG',
    warehouseId: 'wh-north',
    reason: 'RECEIPT',
    delta: 40,
    reference: 'DN-1',
  }
  t.is((await adjust(s.tokens.staff, 'adj-1', body)).statusCode, 403)
  const ok = await adjust(s.tokens.operator, 'adj-1', body)
  t.is(ok.statusCode, 202, ok.body)
  t.is(ok.json().commandId, nameUuid('stock-adjustment:adj-1'))
  t.is(ok.headers.location, '/api/v1/inventory/stock?productId=SEED-WHEAT-25KG&warehouseId=wh-north')
  const retry = await adjust(s.tokens.operator, 'adj-1', body)
  t.is(
    retry.json().commandId,
    ok.json().commandId,
    'a retry is the same command: the inventory applies it once',
  )
  const conflict = await adjust(s.tokens.operator, 'adj-1', { ...body, delta: 41 })
  t.is(conflict.statusCode, 409)
  t.is(conflict.json().code, 'OXA_API_CONFLICT')
  const cases: [string | undefined, unknown, RegExp][] = [
    [undefined, body, /headers must have required property 'idempotency-key'/],
    ['k', { ...body, delta: 0 }, /body\/delta must NOT be valid/],
    ['k', { ...body, delta: 1.5 }, /body\/delta must be integer/],
    ['k', { ...body, reason: 'THEFT' }, /body\/reason must be equal to one of the allowed values/],
    ['k', { ...body, warehouseId: undefined }, /body must have required property 'warehouseId'/],
  ]
  for (const [key, payload, message] of cases) {
    const res = await adjust(s.tokens.operator, key, payload)
    t.is(res.statusCode, 400, res.body)
    t.regex(res.json().message, message)
  }
  const commands = await s.stockCommands()
  t.is(commands.length, 2)
  t.is(commands[0]?.key, 'SEED-WHEAT-25KG|wh-north')
  t.deepEqual(plain(commands[0]?.value.payload), {
    'dev.oxagry.inventory.AdjustStock': { reason: 'RECEIPT', delta: 40, reference: 'DN-1' },
  })
})
