import test from 'ava'
import { foldAnswer, inventoryValidationId, NO_ANSWERS, type LineAnswer } from './answers.ts'

const line = (stockKey: string, reserved: boolean, lineCount = 2): LineAnswer => ({
  orderId: 'o-1',
  stockKey,
  productId: stockKey.split('|')[0] ?? '',
  warehouseId: stockKey.split('|')[1] ?? '',
  lineCount,
  reserved,
  wanted: 4,
  available: reserved ? 10 : 1,
  occurredAt: 42,
})

test('passes once every line is reserved, a line answered twice counting once', (t) => {
  const one = foldAnswer(NO_ANSWERS, line('P1|W', true))
  t.is(one.validation, null)
  const twice = foldAnswer(one, line('P1|W', true))
  t.is(twice.validation, null, 'the same line again is not the second line')
  const done = foldAnswer(twice, line('P2|W', true))
  t.true(done.fresh)
  t.deepEqual(done.validation, {
    validationId: inventoryValidationId('o-1'),
    orderId: 'o-1',
    check: 'INVENTORY',
    passed: true,
    reason: null,
    note: null,
    occurredAt: 42,
  })
})

test('fails at the first refused line, naming it, and answers nothing after', (t) => {
  const ok = foldAnswer(NO_ANSWERS, line('P1|W', true, 3))
  const failed = foldAnswer(ok, line('P2|W', false, 3))
  t.true(failed.fresh)
  t.like(failed.validation, { passed: false, reason: 'OUT_OF_STOCK' })
  t.is(failed.validation?.note, 'out of stock: product P2 at warehouse W: wanted 4, available 1')
  const later = foldAnswer(failed, line('P3|W', true, 3))
  t.false(later.fresh)
  t.deepEqual(later.validation, failed.validation)
  t.is(foldAnswer(later, line('P4|W', false, 3)), later)
})
