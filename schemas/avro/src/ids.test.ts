import test from 'ava'
import { isAvroError } from './errors.ts'
import { BRANDS, currencyCode, machineId, orderId, productId } from './ids.ts'

test('branded ids are made only from valid strings', (t) => {
  t.is<string, string>(machineId('MF-8S-00042'), 'MF-8S-00042')
  t.is<string, string>(
    orderId('6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f'),
    '6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f',
  )
  t.is<string, string>(currencyCode('EUR'), 'EUR')
  for (const [make, bad] of [
    [orderId, 'not-a-uuid'],
    [orderId, '6F1C2A4E-8D3B-4C5A-9E7F-1A2B3C4D5E6F'],
    [currencyCode, 'eur'],
    [productId, ''],
    // The separator of composite keys (productId|warehouseId) cannot occur inside an id.
    [productId, 'SEED|WH'],
    [machineId, 'MF 8S'],
  ] as const) {
    const error = t.throws(() => make(bad))
    t.true(isAvroError(error, 'OXA_AVRO_INVALID_RECORD'), String(bad))
  }
})

test('every brand has a validating function', (t) => {
  for (const [name, make] of Object.entries(BRANDS)) t.is(typeof make, 'function', name)
})
