import test from 'ava'
import { Contracts, InMemorySchemaRegistry, createAvroSerde, productId, warehouseId } from '@oxagry/avro'
import type { StockEvent } from '@oxagry/avro'
import type { BrokerRecord } from '@oxagry/kafka'
import { conflateReservations } from './commerce-conflate.ts'
import { decodeStockEvents } from './commerce-decoders.ts'
import {
  decodeReservationCursor,
  encodeReservationCursor,
  resolveReservationQuery,
} from './commerce-query.ts'
import { recordPosition } from './commerce-writes.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { reservationEvent, reservationStep, sampleOrderId, sampleReservationId } from './testing/index.ts'

const T0 = Date.UTC(2026, 0, 1)
const TOPIC = 'inventory.stock-events.v1'

const record = (value: Buffer | null, offset: string): BrokerRecord => ({
  topic: TOPIC,
  partition: 2,
  offset,
  key: Buffer.from('P-1|W-1'),
  value,
  timestamp: 1,
  headers: {},
})

test('stock events: reservations and their releases become steps; adjustments, alerts and tombstones are skipped', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const serde = await createAvroSerde<StockEvent>({
    registry,
    contract: Contracts.StockEvent,
    autoRegister: true,
    topics: [TOPIC],
  })
  const decode = decodeStockEvents(serde)
  const encode = (event: StockEvent) => serde.serialize(TOPIC, event, {})
  const reserved = await decode(
    record(await encode(reservationEvent('o', 'P-1', 'W-1', 'RESERVED', T0, 3)), '5'),
  )
  t.deepEqual(reserved, {
    kind: 'reservation-step',
    step: {
      reservationId: sampleReservationId('o', 'P-1', 'W-1'),
      orderId: sampleOrderId('o'),
      productId: 'P-1',
      warehouseId: 'W-1',
      quantity: 3,
      state: 'RESERVED',
      expiresAt: T0 + 60_000,
      occurredAt: T0,
      position: recordPosition(2, '5'),
    },
  })
  for (const [reason, state] of [
    ['ORDER_CANCELLED', 'RELEASED'],
    ['EXPIRED', 'EXPIRED'],
    ['FULFILLED', 'FULFILLED'],
  ] as const) {
    const released = await decode(
      record(await encode(reservationEvent('o', 'P-1', 'W-1', reason, T0 + 1)), '6'),
    )
    t.like(released, { kind: 'reservation-step', step: { state, expiresAt: null, occurredAt: T0 + 1 } })
  }
  const base = {
    eventId: sampleOrderId('e'),
    productId: productId('P-1'),
    warehouseId: warehouseId('W-1'),
    occurredAt: T0,
  }
  const adjusted: StockEvent = {
    ...base,
    payload: { 'dev.oxagry.inventory.StockAdjusted': { reason: 'RECEIPT', delta: 5, reference: null } },
  }
  const low: StockEvent = {
    ...base,
    payload: { 'dev.oxagry.inventory.LowStock': { available: 1, threshold: 2 } },
  }
  t.is(await decode(record(await encode(adjusted), '7')), null)
  t.is(await decode(record(await encode(low), '8')), null)
  t.is(await decode(record(null, '9')), null)
})

test('conflation: one row per reservation, folded in position order, a duplicate record counted once', (t) => {
  const steps = [
    reservationStep('a', 'P-1', 'W-1', 'FULFILLED', 12),
    reservationStep('b', 'P-1', 'W-1', 'RESERVED', 11),
    reservationStep('a', 'P-1', 'W-1', 'RESERVED', 10),
    reservationStep('a', 'P-1', 'W-1', 'RESERVED', 10),
  ]
  const forward = conflateReservations(steps)
  t.deepEqual(forward, conflateReservations([...steps].reverse()))
  t.is(forward.reservations.length, 2)
  const a = forward.reservations.find((r) => r.orderId === sampleOrderId('a'))
  t.like(a, {
    state: 'FULFILLED',
    version: 12,
    reservedAt: T0 + 10_000,
    releasedAt: T0 + 12_000,
    expiresAt: T0 + 70_000,
    updatedAt: T0 + 12_000,
  })
  const ids = forward.reservations.map((r) => r.reservationId)
  t.deepEqual(ids, [...ids].sort())
})

test('conflation: a release alone leaves reservedAt and expiresAt to the store (null); a re-reservation clears releasedAt', (t) => {
  const [alone] = conflateReservations([reservationStep('a', 'P-1', 'W-1', 'EXPIRED', 3)]).reservations
  t.like(alone, { state: 'EXPIRED', reservedAt: null, expiresAt: null, releasedAt: T0 + 3000 })
  const [again] = conflateReservations([
    reservationStep('a', 'P-1', 'W-1', 'EXPIRED', 3),
    reservationStep('a', 'P-1', 'W-1', 'RESERVED', 4),
  ]).reservations
  t.like(again, { state: 'RESERVED', reservedAt: T0 + 4000, releasedAt: null })
})

test('reservation queries: ids, state, limit and cursor are checked once, naming the parameter', (t) => {
  t.deepEqual(resolveReservationQuery({ orderId: 'o-1' }), { limit: 100, orderId: 'o-1' })
  t.deepEqual(resolveReservationQuery({ productId: 'P', warehouseId: 'W', state: 'RESERVED', limit: 5 }), {
    limit: 5,
    productId: 'P',
    warehouseId: 'W',
    state: 'RESERVED',
  })
  const cursor = encodeReservationCursor('r-9')
  t.is(decodeReservationCursor(cursor), 'r-9')
  t.is(resolveReservationQuery({ orderId: 'o', cursor }).after, 'r-9')
  for (const [query, path] of [
    [{}, '/query/orderId'],
    [{ productId: '' }, '/query/productId'],
    [{ orderId: 'o', state: 'NOPE' }, '/query/state'],
    [{ orderId: 'o', limit: 2.5 }, '/query/limit'],
    [{ orderId: 'o', cursor: `${cursor}x` }, '/query/cursor'],
    [{ orderId: 'o', cursor: Buffer.from('{"r":1}').toString('base64url') }, '/query/cursor'],
  ] as const) {
    const error = t.throws(() => resolveReservationQuery(query as never), { instanceOf: SinkError })
    t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY)
    t.is(error?.context.path, path)
  }
})
