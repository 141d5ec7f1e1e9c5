import {
  customerId,
  nameUuid,
  type CustomerId,
  type OrderCommand,
  type OrderEvent,
  type OrderId,
  type OrderItem,
  type Product,
  type StockCommand,
} from '@oxagry/avro'
import { stockKey } from '@oxagry/topics'
import { SIM_ERROR_CODES, SimError } from '../errors.ts'
import { createRandom, deriveSeed, type Random } from '../random.ts'
import { SIM_CURRENCY, WAREHOUSES, simulatedCatalogue } from './catalogue.ts'

/** Kinds of bad checkout the market sends on purpose, each counted. */
export const BAD_ORDER_KINDS = [
  'unknownProduct',
  'zeroQuantity',
  'negativeQuantity',
  'wrongCurrency',
  'totalOverflow',
  'reusedKeyOtherBody',
] as const
export type BadOrderKind = (typeof BAD_ORDER_KINDS)[number]

export interface MarketOptions {
  readonly seed?: number
  /** Restarts of the simulator so far (`nextLife`): ids of one life are never used by another. */
  readonly life?: number
  readonly customers?: number
  readonly ordersPerSecond?: number
  /** Share of checkouts that are bad, per kind. */
  readonly badData?: Partial<Record<BadOrderKind, number>>
  /** Lines per checkout: fixed (benchmarks); 1 to 3 at random when unset. */
  readonly linesPerOrder?: number
  /** Share of checkouts sent twice, unchanged (a client retry). */
  readonly retryRate?: number
  /** Share of orders the customer cancels, after `cancelAfterMs`. */
  readonly cancelRate?: number
  readonly cancelAfterMs?: number
  /** Orders not cancelled are reported delivered after this. */
  readonly deliverAfterMs?: number
  /** Units received per stock key at the start, and again whenever a restock falls due. */
  readonly receiptUnits?: number
  readonly restockEveryMs?: number
}

/** A record the market wants written, by topic kind; keys are the catalogue's. */
export type MarketRecord =
  | { readonly kind: 'product'; readonly key: string; readonly value: Product; readonly at: number }
  | { readonly kind: 'stock'; readonly key: string; readonly value: StockCommand; readonly at: number }
  | { readonly kind: 'order'; readonly key: string; readonly value: OrderEvent; readonly at: number }
  | { readonly kind: 'command'; readonly key: string; readonly value: OrderCommand; readonly at: number }

export interface MarketCounts {
  placed: number
  retried: number
  cancelRequests: number
  deliveries: number
  receipts: number
  bad: Record<BadOrderKind, number>
}

export interface Market {
  /** The catalogue and the first receipts: written once before any order. */
  opening(now: number): MarketRecord[]
  /** Everything due up to `now`: checkouts at the rate, retries, cancellations, deliveries, restocks. */
  tick(now: number): MarketRecord[]
  counts(): MarketCounts
}

const DEFAULT_BAD: Record<BadOrderKind, number> = {
  unknownProduct: 0.002,
  zeroQuantity: 0.002,
  negativeQuantity: 0.002,
  wrongCurrency: 0.002,
  totalOverflow: 0.001,
  reusedKeyOtherBody: 0.002,
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new SimError(
      SIM_ERROR_CODES.INVALID_OPTIONS,
      `/market/${name} must be ${allowZero ? '>= 0' : '> 0'}`,
      {
        context: { path: `/market/${name}` },
      },
    )
  return value
}

/**
 * A seeded commerce workload: customers (farms and contractors) checking out at a steady rate from
 * the catalogue, some retrying, some cancelling, the rest delivered; warehouses receiving stock; and
 * counted bad checkouts. Deterministic for a seed and life; a later life never reuses an id.
 */
export function createMarket(options: MarketOptions = {}): Market {
  const life = options.life ?? 0
  const random: Random = createRandom(deriveSeed(options.seed ?? 7, life))
  const customers: CustomerId[] = Array.from(
    { length: positive('customers', options.customers ?? 200) },
    (_, i) => customerId(`farm-${String(i + 1).padStart(4, '0')}`),
  )
  const rate = positive('ordersPerSecond', options.ordersPerSecond ?? 5)
  const bad = { ...DEFAULT_BAD, ...options.badData }
  for (const [kind, p] of Object.entries(bad)) positive(`badData/${kind}`, p, true)
  const retryRate = positive('retryRate', options.retryRate ?? 0.01, true)
  const cancelRate = positive('cancelRate', options.cancelRate ?? 0.03, true)
  const cancelAfterMs = positive('cancelAfterMs', options.cancelAfterMs ?? 2_000, true)
  const deliverAfterMs = positive('deliverAfterMs', options.deliverAfterMs ?? 20_000, true)
  const receiptUnits = positive('receiptUnits', options.receiptUnits ?? 400)
  const restockEveryMs = positive('restockEveryMs', options.restockEveryMs ?? 60_000)
  const products = simulatedCatalogue()
  const stocked = products.filter((p) => p.lowStockThreshold !== null || p.category === 'MACHINERY_RENTAL')
  const counts: MarketCounts = {
    placed: 0,
    retried: 0,
    cancelRequests: 0,
    deliveries: 0,
    receipts: 0,
    bad: Object.fromEntries(BAD_ORDER_KINDS.map((k) => [k, 0])) as Record<BadOrderKind, number>,
  }
  let seq = 0
  let nextOrderAt: number | undefined
  let nextRestockAt: number | undefined
  // Two queues, each already in time order (a fixed delay after checkouts in time order): no sorting.
  const cancels: { at: number; record: () => MarketRecord }[] = []
  const deliveries: { at: number; record: () => MarketRecord }[] = []
  let lastPlaced: { customer: CustomerId; key: string; event: OrderEvent } | undefined

  const receipts = (at: number): MarketRecord[] =>
    stocked.flatMap((p) =>
      WAREHOUSES.map((w) => {
        counts.receipts++
        const key = stockKey(p.productId, w)
        return {
          kind: 'stock' as const,
          key,
          at,
          value: {
            commandId: nameUuid(`sim:receipt:${life}:${key}:${at}`),
            productId: p.productId,
            warehouseId: w,
            occurredAt: at,
            payload: {
              'dev.oxagry.inventory.AdjustStock': {
                reason: 'RECEIPT' as const,
                delta: receiptUnits,
                reference: `DN-${life}-${at}`,
              },
            },
          },
        }
      }),
    )

  const command = (
    orderId: OrderId,
    at: number,
    payload: OrderCommand['payload'],
    what: string,
  ): MarketRecord => ({
    kind: 'command',
    key: orderId,
    at,
    value: { commandId: nameUuid(`sim:${what}:${orderId}`), orderId, occurredAt: at, payload },
  })

  const badKind = (): BadOrderKind | undefined => {
    for (const kind of BAD_ORDER_KINDS) if (random.chance(bad[kind])) return kind
    return undefined
  }

  const checkout = (at: number): MarketRecord[] => {
    const kind = badKind()
    if (kind === 'reusedKeyOtherBody' && lastPlaced !== undefined) {
      counts.bad[kind]++
      const placed = lastPlaced.event.payload['dev.oxagry.orders.OrderPlaced' as never] as {
        items: OrderItem[]
      }
      const items = placed.items.map((i) => ({ ...i, quantity: i.quantity + 1 }))
      return [order(lastPlaced.customer, lastPlaced.key, items, SIM_CURRENCY, at)]
    }
    const customer = random.pick(customers)
    const key = `L${life}-${++seq}`
    const lines = options.linesPerOrder ?? random.int(1, 3)
    let items: OrderItem[] = Array.from({ length: lines }, () => {
      const p = random.pick(products)
      return {
        productId: p.productId,
        warehouseId: random.pick(WAREHOUSES),
        quantity: p.category === 'MACHINERY_RENTAL' ? random.int(1, 3) : random.int(1, 8),
        unitPriceMinor: p.unitPriceMinor,
      }
    })
    let currency = SIM_CURRENCY
    if (kind !== undefined && kind !== 'reusedKeyOtherBody') {
      counts.bad[kind]++
      const [first, ...rest] = items as [OrderItem, ...OrderItem[]]
      if (kind === 'unknownProduct')
        items = [{ ...first, productId: 'NO-SUCH-PRODUCT' as OrderItem['productId'] }, ...rest]
      if (kind === 'zeroQuantity') items = [{ ...first, quantity: 0 }, ...rest]
      if (kind === 'negativeQuantity') items = [{ ...first, quantity: -random.int(1, 5) }, ...rest]
      if (kind === 'wrongCurrency') currency = 'USD' as typeof SIM_CURRENCY
      if (kind === 'totalOverflow')
        items = [{ ...first, quantity: 2 ** 40, unitPriceMinor: 2 ** 20 }, ...rest]
    } else counts.placed++
    const record = order(customer, key, items, currency, at)
    const orderId = record.key as OrderId
    const out: MarketRecord[] = [record]
    if (kind === undefined) {
      lastPlaced = { customer, key, event: record.value as OrderEvent }
      if (random.chance(retryRate)) {
        counts.retried++
        out.push({ ...record, at: at + 1 })
      }
      if (random.chance(cancelRate)) {
        cancels.push({
          at: at + cancelAfterMs,
          record: () => {
            counts.cancelRequests++
            return command(
              orderId,
              at + cancelAfterMs,
              { 'dev.oxagry.orders.CancelOrder': { note: 'changed my mind' } },
              'cancel',
            )
          },
        })
      } else {
        deliveries.push({
          at: at + deliverAfterMs,
          record: () => {
            counts.deliveries++
            return command(
              orderId,
              at + deliverAfterMs,
              { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: at + deliverAfterMs } },
              'delivered',
            )
          },
        })
      }
    }
    return out
  }

  const order = (
    customer: CustomerId,
    key: string,
    items: OrderItem[],
    currency: typeof SIM_CURRENCY,
    at: number,
  ): MarketRecord & { kind: 'order' } => {
    const orderId = nameUuid(`order:${customer}:${key}`) as OrderId
    return {
      kind: 'order',
      key: orderId,
      at,
      value: {
        eventId: nameUuid(`sim:placed:${orderId}:${JSON.stringify(items)}`),
        orderId,
        occurredAt: at,
        payload: {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: customer,
            items,
            currency,
            deliveryLocation: {
              latitude: 52 + random.between(-0.5, 0.5),
              longitude: 9.7 + random.between(-0.5, 0.5),
              address: null,
            },
            idempotencyKey: key,
          },
        },
      },
    }
  }

  return {
    opening(now) {
      nextOrderAt = now
      nextRestockAt = now + restockEveryMs
      return [
        ...products.map((p) => ({ kind: 'product' as const, key: p.productId, value: p, at: now })),
        ...receipts(now),
      ]
    },
    tick(now) {
      const out: MarketRecord[] = []
      nextOrderAt ??= now
      nextRestockAt ??= now + restockEveryMs
      while (nextRestockAt <= now) {
        out.push(...receipts(nextRestockAt))
        nextRestockAt += restockEveryMs
      }
      const gap = 1000 / rate
      while (nextOrderAt <= now) {
        out.push(...checkout(Math.floor(nextOrderAt)))
        nextOrderAt += gap
      }
      for (const queue of [cancels, deliveries]) {
        let due = 0
        while (due < queue.length && (queue[due]?.at ?? Infinity) <= now)
          out.push((queue[due++] as (typeof queue)[number]).record())
        queue.splice(0, due)
      }
      return out
    },
    counts: () => structuredClone(counts),
  }
}
