import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type DeadLetter,
  type OrderValidation,
  type Product,
  type ProductId,
  type StockCommand,
  type StockEvent,
  type StockLevel,
} from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { stockKey } from '@oxagry/topics'
import { inventoryValidationId } from './answers.ts'
import { adjustStock, confirmReservation, releaseReservation, reserveStock } from './commands.ts'
import { INVENTORY_ERROR_CODES } from './errors.ts'
import type { ExpiryEntry } from './expiry.ts'
import { reservationKey, type InventoryCounters } from './processor.ts'
import { DEFAULT_INVENTORY_TOPICS as T, type InventoryOptions, type InventorySerdes } from './options.ts'
import { createInventorySerdes } from './serdes.ts'
import type { LegacyStockState, Reservation, StockState } from './stock.ts'
import { ANSWERS_REPARTITION, buildInventoryTopology, INVENTORY_STORES } from './topology.ts'

const S = Serdes.String()
const T0 = 1_700_000_000_000
const WH = 'wh-north'
const SEED = 'SEED-WHEAT-25KG'
const OIL = 'PART-OIL-FILTER'
const APP = 'inventory-test'

let serdes: InventorySerdes
test.before(async () => {
  serdes = await createInventorySerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

const order = (n: number) => `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`

function product(productId: string, lowStockThreshold: number | null): Product {
  return {
    productId: productId as ProductId,
    name: productId,
    category: 'SEED',
    unit: '25 kg bag',
    unitPriceMinor: 3900,
    currency: 'EUR' as Product['currency'],
    lowStockThreshold,
    active: true,
  }
}

/** The branch name of a stock event and its body, plain. */
function describe(e: StockEvent): [string, Record<string, unknown>] {
  const [branch, body] = Object.entries(plain(e.payload) as Record<string, Record<string, unknown>>)[0] ?? []
  return [(branch ?? '').replace('dev.oxagry.inventory.', ''), body ?? {}]
}

function setup(options: Partial<InventoryOptions> = {}, counters?: InventoryCounters) {
  const driver = new TopologyTestDriver(buildInventoryTopology({ serdes, ...options }, counters), {
    applicationId: APP,
    initialWallClockTimeMs: T0,
  })
  const commands = driver.createInputTopic(T.commands, S, serdes.command)
  const raw = driver.createInputTopic(T.commands, S, Serdes.Buffer())
  const products = driver.createInputTopic(T.products, S, serdes.product)
  const out = {
    events: driver.createOutputTopic<string, StockEvent>(T.events, S, serdes.event),
    levels: driver.createOutputTopic<string, StockLevel>(T.levels, S, serdes.level),
    validations: driver.createOutputTopic<string, OrderValidation>(T.validations, S, serdes.validation),
    dead: driver.createOutputTopic<string, DeadLetter>(T.deadLetters, S, serdes.deadLetter),
  }
  let seq = 0
  let clock = T0
  /** The next command envelope for a product at WH, a second after the previous one. */
  const at = (productId: string, occurredAt = (clock += 1000)) => ({
    commandId: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    productId,
    warehouseId: WH,
    occurredAt,
  })
  const send = (c: StockCommand, key = stockKey(c.productId, c.warehouseId)) =>
    commands.pipeInput(key, c, c.occurredAt)
  const receive = (productId: string, delta: number) =>
    send(adjustStock(at(productId), { reason: 'RECEIPT', delta, reference: 'delivery-1' }))
  const reserve = (
    productId: string,
    orderId: string,
    quantity: number,
    lineCount = 1,
    expiresAt = T0 + 60_000,
  ) => send(reserveStock(at(productId), { orderId, quantity, lineCount, expiresAt }))
  const events = () => out.events.readValuesToList().map(describe)
  const levels = () => out.levels.readValuesToList().map((l) => plain(l) as StockLevel)
  const validations = () => out.validations.readValuesToList().map((v) => plain(v) as OrderValidation)
  return { driver, commands, raw, products, out, at, send, receive, reserve, events, levels, validations }
}

test('AdjustStock writes StockAdjusted and the level; one that would leave less on hand than reserved is dead-lettered and changes nothing', (t) => {
  const { driver, at, send, receive, reserve, events, levels, out } = setup()
  receive(SEED, 10)
  const first = out.events.readRecordsToList()
  t.is(first.length, 1)
  t.is(first[0]?.key, `${SEED}|${WH}`)
  t.is(first[0]?.timestamp, T0 + 1000, 'the command time, not the wall clock')
  t.deepEqual(describe(first[0]?.value as StockEvent), [
    'StockAdjusted',
    { reason: 'RECEIPT', delta: 10, reference: 'delivery-1' },
  ])
  t.is(first[0]?.value.occurredAt, T0 + 1000)
  reserve(SEED, order(1), 6)
  events()
  const refused = adjustStock(at(SEED), { reason: 'CORRECTION', delta: -5, reference: 'count-3' })
  send(refused)
  t.deepEqual(events(), [], 'no StockAdjusted')
  const dead = out.dead.readValuesToList()
  t.is(dead.length, 1)
  t.is(dead[0]?.errorCode, INVENTORY_ERROR_CODES.STOCK_BELOW_RESERVED)
  t.is(dead[0]?.stage, 'PROCESSING')
  t.regex(dead[0]?.errorMessage ?? '', /leave 5 on hand, below the 6 reserved/)
  t.deepEqual(
    plain(serdes.command.deserialize(T.commands, dead[0]?.value as Buffer, {})),
    plain(refused),
    'the command as sent',
  )
  const correction = adjustStock(at(SEED), { reason: 'CORRECTION', delta: -4, reference: 'count-3' })
  send(correction)
  send({ ...correction, occurredAt: correction.occurredAt + 5000 })
  t.deepEqual(
    driver.droppedRecords().map((d) => d.reason),
    [`AdjustStock ${correction.commandId} at ${SEED}|${WH} was applied already`],
    'a resent adjustment is dropped, counted and logged',
  )
  t.deepEqual(
    levels().map((l) => [l.onHand, l.reserved, l.available, l.version]),
    [
      [10, 0, 10, 1],
      [10, 6, 4, 2],
      [6, 6, 0, 3],
    ],
  )
  t.is(driver.getKeyValueStore<string, StockState>(INVENTORY_STORES.stock).get(`${SEED}|${WH}`)?.onHand, 6)
  driver.close()
})

test('competing orders never oversell: all or nothing in arrival order, reserved ≤ on hand in every level', (t) => {
  const { driver, receive, reserve, send, at, events, levels, validations } = setup()
  receive(SEED, 10)
  for (let i = 1; i <= 5; i++) reserve(SEED, order(i), 3)
  // Stock that comes back lets the next order in, and only then.
  send(releaseReservation(at(SEED), order(2), 'ORDER_CANCELLED'))
  reserve(SEED, order(6), 5)
  reserve(SEED, order(7), 3)

  const published = levels()
  t.true(published.length > 0)
  for (const l of published) {
    t.true(l.reserved <= l.onHand, JSON.stringify(l))
    t.is(l.available, l.onHand - l.reserved)
  }
  t.deepEqual(
    events()
      .filter(([kind]) => kind === 'StockReserved')
      .map(([, body]) => body.orderId),
    [order(1), order(2), order(3), order(7)],
  )
  const answers = validations()
  t.deepEqual(
    answers.map((v) => [v.orderId, v.passed, v.reason]),
    [
      [order(1), true, null],
      [order(2), true, null],
      [order(3), true, null],
      [order(4), false, 'OUT_OF_STOCK'],
      [order(5), false, 'OUT_OF_STOCK'],
      [order(6), false, 'OUT_OF_STOCK'],
      [order(7), true, null],
    ],
  )
  t.is(answers[3]?.note, `out of stock: product ${SEED} at warehouse ${WH}: wanted 3, available 1`)
  t.is(answers[5]?.note, `out of stock: product ${SEED} at warehouse ${WH}: wanted 5, available 4`)
  t.like(answers[0], {
    check: 'INVENTORY',
    validationId: inventoryValidationId(order(1)),
    occurredAt: T0 + 2000,
  })
  t.is(inventoryValidationId(order(1)), nameUuid(`validation:${order(1)}:INVENTORY`))
  t.deepEqual(published.at(-1), {
    productId: SEED,
    warehouseId: WH,
    onHand: 10,
    reserved: 9,
    available: 1,
    lowStockThreshold: null,
    updatedAt: T0 + 9000,
    version: 6,
  })
  t.true([...driver.producedTopicNames()].includes(`${APP}-${ANSWERS_REPARTITION}-repartition`))
  driver.close()
})

test('business counters: each reservation by result (a refusal is a stock-out for its order), each low-stock crossing', (t) => {
  const counted: string[] = []
  const { driver, receive, reserve, products } = setup(
    {},
    {
      reservation: (result) => counted.push(result),
      lowStock: () => counted.push('low-stock'),
    },
  )
  products.pipeInput(SEED, product(SEED, 3), T0)
  receive(SEED, 5)
  reserve(SEED, order(1), 2)
  reserve(SEED, order(1), 2)
  reserve(SEED, order(2), 2)
  reserve(SEED, order(3), 2)
  t.deepEqual(counted, ['reserved', 'already', 'reserved', 'low-stock', 'refused'])
  driver.close()
})

test('a reservation sent again for an order already reserved is answered the same and reserves nothing more', (t) => {
  const { driver, receive, reserve, events, levels, validations, out } = setup()
  receive(SEED, 5)
  levels()
  events()
  reserve(SEED, order(1), 2, 2)
  reserve(SEED, order(1), 2, 2)
  const reserved = events()
  t.deepEqual(reserved, [
    [
      'StockReserved',
      {
        reservationId: nameUuid(`reservation:${order(1)}:${SEED}|${WH}`),
        orderId: order(1),
        quantity: 2,
        expiresAt: T0 + 60_000,
      },
    ],
  ])
  t.deepEqual(
    levels().map((l) => l.reserved),
    [2],
    'one level: the second changed nothing',
  )
  t.deepEqual(validations(), [], 'one line of two is not an answer, however often it is sent')
  receive(OIL, 1)
  reserve(OIL, order(1), 1, 2)
  t.deepEqual(
    validations().map((v) => [v.orderId, v.passed]),
    [[order(1), true]],
    'the second line answers the order, once',
  )
  t.is(out.dead.readRecordsToList().length, 0)
  driver.close()
})

test('an order answers once: failed at its first refused line with the line named, whatever the other lines say later', (t) => {
  const { driver, receive, reserve, validations } = setup()
  receive(SEED, 10)
  receive(OIL, 1)
  const mixed = order(1)
  reserve(SEED, mixed, 4, 3)
  reserve(OIL, mixed, 2, 3)
  t.deepEqual(
    validations().map((v) => [v.passed, v.reason, v.note]),
    [[false, 'OUT_OF_STOCK', `out of stock: product ${OIL} at warehouse ${WH}: wanted 2, available 1`]],
  )
  reserve('PART-BELT', mixed, 1, 3)
  reserve(SEED, mixed, 4, 3)
  reserve(OIL, mixed, 2, 3)
  t.deepEqual(validations(), [], 'later line answers are ignored')

  // Two lines, both reserved: passed once, after the second; a resent line after it answers nothing.
  const two = order(2)
  reserve(SEED, two, 1, 2)
  t.deepEqual(validations(), [])
  reserve(OIL, two, 1, 2)
  t.deepEqual(
    validations().map((v) => [v.orderId, v.passed, v.validationId]),
    [[two, true, inventoryValidationId(two)]],
  )
  reserve(OIL, two, 1, 2)
  t.deepEqual(validations(), [])
  driver.close()
})

test('ConfirmReservation stops the expiry; releases return units, FULFILLED also sells them; an unknown release is a no-op', (t) => {
  const { driver, receive, reserve, send, at, events, levels, out } = setup()
  receive(SEED, 10)
  reserve(SEED, order(1), 3)
  reserve(SEED, order(2), 2)
  events()
  levels()
  send(releaseReservation(at(SEED), order(9), 'ORDER_CANCELLED'))
  send(confirmReservation(at(SEED), order(9)))
  t.deepEqual(events(), [])
  t.deepEqual(levels(), [])
  t.is(out.dead.readRecordsToList().length, 0)

  send(confirmReservation(at(SEED), order(1)))
  t.deepEqual(events(), [], 'a confirmation changes no units')
  const reservations = driver.getKeyValueStore<string, Reservation>(INVENTORY_STORES.reservations)
  t.is(reservations.get(reservationKey(`${SEED}|${WH}`, order(1)))?.expiresAt, null)

  const fulfil = releaseReservation(at(SEED), order(1), 'FULFILLED')
  send(fulfil)
  const sold = out.events.readRecordsToList()
  t.deepEqual(
    sold.map((r) => describe(r.value)),
    [
      [
        'ReservationReleased',
        {
          reservationId: nameUuid(`reservation:${order(1)}:${SEED}|${WH}`),
          orderId: order(1),
          quantity: 3,
          reason: 'FULFILLED',
        },
      ],
      ['StockAdjusted', { reason: 'SALE', delta: -3, reference: order(1) }],
    ],
  )
  t.deepEqual(
    sold.map((r) => [r.timestamp, r.value.occurredAt]),
    [
      [fulfil.occurredAt, fulfil.occurredAt],
      [fulfil.occurredAt, fulfil.occurredAt],
    ],
  )
  send(releaseReservation(at(SEED), order(2), 'ORDER_CANCELLED'))
  t.deepEqual(
    events().map(([kind, body]) => [kind, body.reason, body.quantity]),
    [['ReservationReleased', 'ORDER_CANCELLED', 2]],
  )
  send(releaseReservation(at(SEED), order(2), 'ORDER_CANCELLED'))
  t.deepEqual(events(), [], 'released already')
  t.deepEqual(
    levels().map((l) => [l.onHand, l.reserved, l.available, l.version]),
    [
      [7, 2, 5, 5],
      [7, 0, 7, 6],
    ],
  )
  t.deepEqual([...driver.getKeyValueStore<string, ExpiryEntry>(INVENTORY_STORES.expiry).all()], [])
  driver.close()
})

test('a wall-clock punctuation releases lapsed reservations as EXPIRED, at the wall-clock time, and not confirmed ones', (t) => {
  const { driver, receive, reserve, send, at, events, levels, out } = setup({
    expiry: { punctuationIntervalMs: 500 },
  })
  receive(SEED, 10)
  receive(OIL, 10)
  reserve(SEED, order(1), 3, 1, T0 + 5000)
  reserve(OIL, order(2), 2, 1, T0 + 3000)
  reserve(SEED, order(3), 1, 1, T0 + 4000)
  send(confirmReservation(at(SEED), order(3)))
  events()
  levels()
  const index = driver.getKeyValueStore<string, ExpiryEntry>(INVENTORY_STORES.expiry)
  t.deepEqual(
    [...index.all()].map((e) => e.value.orderId),
    [order(2), order(1)],
    'time order, confirmed ones gone',
  )

  driver.advanceWallClockTime(2500)
  t.deepEqual(events(), [])
  driver.advanceWallClockTime(500)
  const first = out.events.readRecordsToList()
  t.deepEqual(
    first.map((r) => [
      r.key,
      describe(r.value)[0],
      describe(r.value)[1].reason,
      r.value.occurredAt,
      r.timestamp,
    ]),
    [[`${OIL}|${WH}`, 'ReservationReleased', 'EXPIRED', T0 + 3000, T0 + 3000]],
  )
  driver.advanceWallClockTime(3000)
  t.deepEqual(
    events().map(([kind, body]) => [kind, body.orderId, body.reason, body.quantity]),
    [['ReservationReleased', order(1), 'EXPIRED', 3]],
  )
  driver.advanceWallClockTime(60_000)
  t.deepEqual(events(), [], 'each once; the confirmed one stays')
  t.deepEqual(
    levels().map((l) => [l.productId, l.reserved, l.updatedAt]),
    [
      [OIL, 0, T0 + 3000],
      [SEED, 1, T0 + 6000],
    ],
  )
  t.deepEqual([...index.all()], [])
  // An expired reservation is gone: releasing it again is a no-op.
  send(releaseReservation(at(SEED), order(1), 'ORDER_CANCELLED'))
  t.deepEqual(events(), [])
  driver.close()
})

test("LowStock once per crossing below the product's threshold, again after available came back to it", (t) => {
  const { driver, products, receive, reserve, send, at, events, levels } = setup()
  products.pipeInput(SEED, product(SEED, 5), T0)
  receive(SEED, 10)
  reserve(SEED, order(1), 6)
  reserve(SEED, order(2), 1)
  send(releaseReservation(at(SEED), order(1), 'ORDER_CANCELLED'))
  reserve(SEED, order(3), 5)
  receive(SEED, 1)
  t.deepEqual(
    events()
      .filter(([kind]) => kind === 'LowStock')
      .map(([, body]) => body),
    [
      { available: 4, threshold: 5 },
      { available: 4, threshold: 5 },
    ],
  )
  const published = levels()
  t.deepEqual(
    published.map((l) => [l.available, l.lowStockThreshold]),
    [
      [10, 5],
      [4, 5],
      [3, 5],
      [9, 5],
      [4, 5],
      [5, 5],
    ],
  )
  // A product without a threshold is not watched.
  receive(OIL, 1)
  reserve(OIL, order(4), 1)
  t.deepEqual(
    events().filter(([kind]) => kind === 'LowStock'),
    [],
  )
  driver.close()
})

test('event ids are derived from the command, so reprocessing the same commands gives the same ids', (t) => {
  const run = () => {
    const { driver, receive, reserve, send, at, out } = setup()
    receive(SEED, 5)
    reserve(SEED, order(1), 2)
    send(releaseReservation(at(SEED), order(1), 'FULFILLED'))
    const ids = out.events.readValuesToList().map((e) => e.eventId)
    driver.close()
    return ids
  }
  const first = run()
  t.is(first.length, 4)
  t.is(new Set(first).size, 4, 'each event its own id')
  t.deepEqual(run(), first)
  t.is(first[0], nameUuid(`stock-event:command:00000000-0000-4000-8000-000000000001:adjusted`))
})

test('commands that cannot be applied are dead-lettered with their reason: tombstones, a key that is not the stock key, no quantity', (t) => {
  const { driver, raw, send, at, receive, out, validations } = setup()
  receive(SEED, 5)
  raw.pipeInput(`${SEED}|${WH}`, null, T0)
  send(adjustStock(at(SEED), { reason: 'RECEIPT', delta: 1 }), `${OIL}|${WH}`)
  send(reserveStock(at(SEED), { orderId: order(1), quantity: 0, lineCount: 1, expiresAt: T0 + 1 }))
  send(reserveStock(at(SEED), { orderId: order(1), quantity: 1, lineCount: 0, expiresAt: T0 + 1 }))
  const dead = out.dead.readRecordsToList()
  t.deepEqual(
    dead.map((d) => d.value.errorCode),
    [
      INVENTORY_ERROR_CODES.COMMAND_EMPTY,
      INVENTORY_ERROR_CODES.COMMAND_INVALID,
      INVENTORY_ERROR_CODES.COMMAND_INVALID,
      INVENTORY_ERROR_CODES.COMMAND_INVALID,
    ],
  )
  t.is(dead[0]?.key, `${T.commands}:0:1`)
  t.like(plain(dead[1]?.value) as DeadLetter, {
    application: APP,
    sourceTopic: T.commands,
    sourceOffset: 2,
    deadLetterId: nameUuid(`dead-letter:${APP}:${T.commands}:0:2`),
  })
  t.regex(dead[1]?.value.errorMessage ?? '', /is not the command's stock key/)
  t.deepEqual(validations(), [])
  t.is(out.levels.readRecordsToList().length, 1, 'only the receipt')
  driver.close()
})

test('options are validated once, naming the path', (t) => {
  t.throws(() => buildInventoryTopology({ serdes, expiry: { punctuationIntervalMs: 0 } }), {
    message: /\/options\/expiry\/punctuationIntervalMs must be an integer >= 1/,
  })
  t.throws(() => buildInventoryTopology({ serdes, topics: { levels: T.events } }), {
    message: /6 different topics/,
  })
  t.throws(() => buildInventoryTopology({ serdes: { ...serdes, level: undefined } as never }), {
    message: /\/options\/serdes\/level must be a Serde/,
  })
  t.throws(() => buildInventoryTopology({ serdes, topic: {} } as never), {
    message: /\/options\/topic is not an option/,
  })
})

test('a stock state stored with its reservations inside (before they had a store of their own) has them moved out on first use', (t) => {
  const { driver, send, at, events } = setup()
  const key = `${SEED}|${WH}`
  const stock = driver.getKeyValueStore<string, LegacyStockState>(INVENTORY_STORES.stock)
  const reservation = (n: number): Reservation => ({
    reservationId: `r-${n}`,
    quantity: n,
    expiresAt: T0 + 60_000,
  })
  stock.put(key, {
    onHand: 10,
    reserved: 3,
    reservations: { [order(1)]: reservation(1), [order(2)]: reservation(2) },
    belowThreshold: false,
    version: 3,
    updatedAt: T0,
  })
  send(confirmReservation(at(SEED), order(1)))
  const moved = driver.getKeyValueStore<string, Reservation>(INVENTORY_STORES.reservations)
  t.deepEqual(moved.get(reservationKey(key, order(1))), { ...reservation(1), expiresAt: null })
  t.deepEqual(moved.get(reservationKey(key, order(2))), reservation(2))
  t.false('reservations' in (stock.get(key) ?? {}))
  t.like(stock.get(key), { onHand: 10, reserved: 3, version: 3 })

  send(releaseReservation(at(SEED), order(2), 'ORDER_CANCELLED'))
  t.like(events(), [
    [
      'ReservationReleased',
      { orderId: order(2), reservationId: 'r-2', quantity: 2, reason: 'ORDER_CANCELLED' },
    ],
  ])
  t.like(stock.get(key), { onHand: 10, reserved: 1 })
  t.is(moved.get(reservationKey(key, order(2))), undefined)
  driver.close()
})
