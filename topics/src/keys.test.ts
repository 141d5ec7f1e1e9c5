import test from 'ava'
import { productId, warehouseId } from '@oxagry/avro'
import { deadLetterKey, parseStockKey, stockKey } from './keys.ts'

test('a stock key joins product and warehouse and splits back', (t) => {
  const key = stockKey(productId('SEED-WHEAT-25KG'), warehouseId('wh-north'))
  t.is(key, 'SEED-WHEAT-25KG|wh-north')
  t.deepEqual(parseStockKey(key), { productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north' })
  for (const bad of ['SEED', 'a|b|c', '|wh', 'SEED|'])
    t.throws(() => parseStockKey(bad), { message: /productId\|warehouseId/ })
})

test('a dead-letter key says where the record came from', (t) => {
  t.is(deadLetterKey('fleet.machine-pings.v1', 7, 1048576), 'fleet.machine-pings.v1:7:1048576')
})
