import {
  currencyCode,
  customerId as toCustomerId,
  nameUuid,
  orderId as toOrderId,
  productId as toProductId,
  warehouseId as toWarehouseId,
  type OrderEvent,
} from '@oxagry/avro'

/**
 * The end-to-end test's checkouts over REST and what each must become: accepted ones (some then
 * delivered, refunded or cancelled, some refused by the orders application), duplicates, and bad
 * requests the API answers 400. Pure data, so the expectations are stated before anything runs.
 */

export interface Line {
  readonly productId: string
  readonly warehouseId: string
  readonly quantity: number
  readonly unitPriceMinor: number
}

export interface CheckoutBody {
  readonly customerId: string
  readonly currency: string
  readonly items: readonly Line[]
  readonly deliveryLocation: { readonly latitude: number; readonly longitude: number }
}

/** What happens to an accepted order after its decision, and where it ends. */
export type Fate =
  'confirmed' | 'delivered' | 'delivered-refunded' | 'cancelled-by-customer' | 'invalid' | 'out-of-stock'

export interface AcceptedCheckout {
  readonly key: string
  readonly body: CheckoutBody
  readonly fate: Fate
  /** How it is sent: once, twice one after the other, or three times at once. */
  readonly sends: 'once' | 'twice' | 'concurrently'
  /** A second OrderPlaced with another body, as an API instance that never saw the key would write. */
  readonly secondBodyBehindTheApi?: CheckoutBody
  /** The same key with another body over REST, after the first: 409 from the API that knows the key. */
  readonly conflictingBody?: CheckoutBody
}

export interface BadRequest {
  readonly what: string
  readonly key: string | undefined
  readonly body: unknown
  /** The answer's message must match. */
  readonly message: RegExp
}

const where = { latitude: 52.37, longitude: 9.73 }
export const WHEAT = 'SEED-WHEAT-25KG'
export const NPK = 'FERT-NPK-600KG'
export const FILTER = 'PART-FILTER-OIL'
/** The stock keys the checkouts use; the simulated market's opening receipts stock every one. */
export const STOCK_KEYS = [
  [WHEAT, 'wh-north'],
  [WHEAT, 'wh-south'],
  [NPK, 'wh-south'],
  [FILTER, 'wh-north'],
] as const

/** The order's final state over REST, and the cancellation reason if cancelled. */
export function finalState(fate: Fate): { state: string; reason: string | null } {
  switch (fate) {
    case 'confirmed':
      return { state: 'CONFIRMED', reason: null }
    case 'delivered':
    case 'delivered-refunded':
      return { state: 'COMPLETED', reason: null }
    case 'cancelled-by-customer':
      return { state: 'CANCELLED', reason: 'CUSTOMER_REQUEST' }
    case 'invalid':
      return { state: 'CANCELLED', reason: 'INVALID_ORDER' }
    case 'out-of-stock':
      return { state: 'CANCELLED', reason: 'OUT_OF_STOCK' }
  }
}

/** Each line's reservation at the end (per stock key), or none when the order never reserved. */
export function reservationState(fate: Fate): string | undefined {
  switch (fate) {
    case 'confirmed':
      return 'RESERVED'
    case 'delivered':
    case 'delivered-refunded':
      return 'FULFILLED'
    case 'cancelled-by-customer':
      return 'RELEASED'
    case 'invalid':
    case 'out-of-stock':
      return undefined
  }
}

/** The checkouts of one run; `prices` are the catalogue's (the orders application checks currency only). */
export function checkouts(
  run: string,
  prices: ReadonlyMap<string, number>,
): {
  customers: readonly [string, string, string]
  accepted: AcceptedCheckout[]
  bad: BadRequest[]
} {
  const a = `e2e-${run}-a`
  const b = `e2e-${run}-b`
  // Alone, so its huge total counts against no other order's fraud check.
  const c = `e2e-${run}-c`
  const line = (productId: string, warehouseId: string, quantity: number): Line => ({
    productId,
    warehouseId,
    quantity,
    unitPriceMinor: prices.get(productId) ?? 1000,
  })
  const body = (customerId: string, ...items: Line[]): CheckoutBody => ({
    customerId,
    currency: 'EUR',
    items,
    deliveryLocation: where,
  })
  const key = (name: string) => `${run}-${name}`
  const accepted: AcceptedCheckout[] = [
    { key: key('delivered'), body: body(a, line(WHEAT, 'wh-north', 2)), fate: 'delivered', sends: 'once' },
    {
      key: key('refunded'),
      body: body(a, line(NPK, 'wh-south', 1), line(WHEAT, 'wh-north', 1)),
      fate: 'delivered-refunded',
      sends: 'once',
    },
    { key: key('held'), body: body(b, line(WHEAT, 'wh-south', 3)), fate: 'confirmed', sends: 'once' },
    {
      key: key('cancelled'),
      body: body(b, line(FILTER, 'wh-north', 1)),
      fate: 'cancelled-by-customer',
      sends: 'once',
    },
    {
      key: key('unknown-product'),
      body: body(a, line(`NOPE-${run}`, 'wh-north', 1)),
      fate: 'invalid',
      sends: 'once',
    },
    {
      key: key('too-many'),
      body: body(c, line(WHEAT, 'wh-north', 1_000_000)),
      fate: 'out-of-stock',
      sends: 'once',
    },
    { key: key('retried'), body: body(a, line(FILTER, 'wh-north', 2)), fate: 'confirmed', sends: 'twice' },
    {
      key: key('racing'),
      body: body(b, line(NPK, 'wh-south', 2)),
      fate: 'confirmed',
      sends: 'concurrently',
    },
    {
      key: key('conflict-409'),
      body: body(a, line(WHEAT, 'wh-south', 1)),
      fate: 'confirmed',
      sends: 'once',
      conflictingBody: body(a, line(WHEAT, 'wh-south', 5)),
    },
    {
      key: key('conflict-behind'),
      body: body(b, line(FILTER, 'wh-north', 1)),
      fate: 'confirmed',
      sends: 'once',
      secondBodyBehindTheApi: body(b, line(FILTER, 'wh-north', 4)),
    },
  ]
  const good = body(a, line(WHEAT, 'wh-north', 1))
  const bad: BadRequest[] = [
    {
      what: 'quantity 0',
      key: key('bad-quantity'),
      body: { ...good, items: [{ ...good.items[0], quantity: 0 }] },
      message: /body\/items\/0\/quantity must be >= 1/,
    },
    {
      what: 'no currency',
      key: key('bad-currency'),
      body: { customerId: a, items: good.items, deliveryLocation: where },
      message: /body must have required property 'currency'/,
    },
    {
      what: 'no items',
      key: key('bad-items'),
      body: { ...good, items: [] },
      message: /body\/items must NOT have fewer than 1 items/,
    },
    {
      what: 'no Idempotency-Key',
      key: undefined,
      body: good,
      message: /headers must have required property 'idempotency-key'/,
    },
  ]
  return { customers: [a, b, c], accepted, bad }
}

/** An OrderPlaced as the API builds it: a second checkout an API instance without the key would write. */
export function orderPlacedBehindTheApi(orderId: string, key: string, body: CheckoutBody): OrderEvent {
  return {
    eventId: nameUuid(`e2e:placed:${orderId}:${JSON.stringify(body)}`),
    orderId: toOrderId(orderId),
    occurredAt: Date.now(),
    payload: {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: toCustomerId(body.customerId),
        currency: currencyCode(body.currency),
        items: body.items.map((l) => ({
          productId: toProductId(l.productId),
          warehouseId: toWarehouseId(l.warehouseId),
          quantity: l.quantity,
          unitPriceMinor: l.unitPriceMinor,
        })),
        deliveryLocation: { ...body.deliveryLocation, address: null },
        idempotencyKey: key,
      },
    },
  }
}
