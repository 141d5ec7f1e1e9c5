import type { OrderEvent, OrderItem, PaymentEvent } from '@oxagry/avro'
import type { EventLog } from './event-log.ts'

/** One answer row, as the tests compare them: column → number or string. */
export type AnswerRow = Record<string, number | string>

const HOUR_MS = 3_600_000
/** ClickHouse's text of a DateTime in UTC, truncated to the hour / the day. */
const hourOf = (ms: number): string =>
  new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 19).replace('T', ' ')
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

function branch(payload: object): { name: string; value: Record<string, unknown> } {
  const [key, value] = Object.entries(payload)[0] ?? ['', {}]
  return { name: key.slice(key.lastIndexOf('.') + 1), value: value as Record<string, unknown> }
}

const ORDER_STAGE: Record<string, string> = {
  OrderPlaced: 'PLACED',
  OrderConfirmed: 'CONFIRMED',
  OrderCancelled: 'CANCELLED',
  OrderCompleted: 'COMPLETED',
}
const PAYMENT_OUTCOME: Record<string, string> = {
  PaymentRequested: 'REQUESTED',
  PaymentAuthorised: 'AUTHORISED',
  PaymentCaptured: 'CAPTURED',
  PaymentFailed: 'FAILED',
  PaymentRefunded: 'REFUNDED',
  PaymentVoided: 'VOIDED',
}

/** Sums numbers into rows keyed by some columns. */
class Groups {
  private readonly rows = new Map<string, AnswerRow>()
  add(key: AnswerRow, sums: Record<string, number>): void {
    const id = JSON.stringify(key)
    const row = this.rows.get(id) ?? { ...key, ...Object.fromEntries(Object.keys(sums).map((k) => [k, 0])) }
    for (const [k, v] of Object.entries(sums)) row[k] = (row[k] as number) + v
    this.rows.set(id, row)
  }
  list(): AnswerRow[] {
    return [...this.rows.values()]
  }
}

function by(...columns: string[]): (a: AnswerRow, b: AnswerRow) => number {
  return (a, b) => {
    for (const c of columns) {
      const desc = c.startsWith('-')
      const name = desc ? c.slice(1) : c
      const x = a[name] as number | string
      const y = b[name] as number | string
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1)
    }
    return 0
  }
}

/** The lines of each order as decided: its first OrderPlaced by time, then event id. */
function acceptedLines(log: EventLog): Map<string, { items: readonly OrderItem[]; placed: OrderEvent }> {
  const out = new Map<string, { items: readonly OrderItem[]; placed: OrderEvent }>()
  for (const e of log.orderEvents) {
    const placed = e.payload['dev.oxagry.orders.OrderPlaced' as never] as { items: OrderItem[] } | undefined
    if (placed === undefined) continue
    const before = out.get(e.orderId)
    if (
      before === undefined ||
      e.occurredAt < before.placed.occurredAt ||
      (e.occurredAt === before.placed.occurredAt && e.eventId < before.placed.eventId)
    )
      out.set(e.orderId, { items: placed.items, placed: e })
  }
  return out
}

interface RevenuePart {
  hour: string
  currency: string
  product_id: string
  category: string
  warehouse_id: string
  minor: number
}

/** Captures add and refunds take away, each spread over the order's lines by their amounts. */
function revenueParts(log: EventLog): RevenuePart[] {
  const lines = acceptedLines(log)
  const parts: RevenuePart[] = []
  for (const p of log.paymentEvents) {
    const { name, value } = branch(p.payload)
    if (name !== 'PaymentCaptured' && name !== 'PaymentRefunded') continue
    const order = lines.get(p.orderId)
    if (order === undefined) continue
    const orderMinor = order.items.reduce((s, i) => s + i.quantity * i.unitPriceMinor, 0)
    const signed = (name === 'PaymentCaptured' ? 1 : -1) * (value.amountMinor as number)
    for (const item of order.items)
      parts.push({
        hour: hourOf(p.occurredAt),
        currency: value.currency as string,
        product_id: item.productId,
        category: log.products.get(item.productId)?.category ?? 'UNKNOWN',
        warehouse_id: item.warehouseId,
        minor: (signed * item.quantity * item.unitPriceMinor) / orderMinor,
      })
  }
  return parts
}

/** Per order placed: its cohort hour and the distinct (stage, reason) it reached. */
function funnel(log: EventLog): { hour: string; stage: string; reason: string }[] {
  const placedAt = new Map<string, number>()
  for (const e of log.orderEvents)
    if (branch(e.payload).name === 'OrderPlaced')
      placedAt.set(e.orderId, Math.min(placedAt.get(e.orderId) ?? Infinity, e.occurredAt))
  const reached = new Map<string, { hour: string; stage: string; reason: string }>()
  for (const e of log.orderEvents) {
    const at = placedAt.get(e.orderId)
    if (at === undefined) continue
    const { name, value } = branch(e.payload)
    const stage = ORDER_STAGE[name] ?? name
    const reason = name === 'OrderCancelled' ? (value.reason as string) : ''
    reached.set(`${e.orderId}|${stage}|${reason}`, { hour: hourOf(at), stage, reason })
  }
  return [...reached.values()]
}

function paymentSteps(
  log: EventLog,
): { hour: string; currency: string; outcome: string; reason: string; paymentId: string; amount: number }[] {
  const currencyOf = new Map<string, string>()
  for (const p of log.paymentEvents) {
    const c = branch(p.payload).value.currency
    if (typeof c === 'string' && c !== '' && !currencyOf.has(p.paymentId)) currencyOf.set(p.paymentId, c)
  }
  return log.paymentEvents.map((p: PaymentEvent) => {
    const { name, value } = branch(p.payload)
    return {
      hour: hourOf(p.occurredAt),
      currency: currencyOf.get(p.paymentId) ?? '',
      outcome: PAYMENT_OUTCOME[name] ?? name,
      reason: name === 'PaymentFailed' ? (value.reason as string) : '',
      paymentId: p.paymentId,
      amount: typeof value.amountMinor === 'number' ? value.amountMinor : 0,
    }
  })
}

/** Distinct payments per (hour, currency, outcome, reason), as the hourly view counts them. */
function paymentGroups(log: EventLog): Groups {
  const groups = new Groups()
  const counted = new Set<string>()
  for (const s of paymentSteps(log)) {
    const key = { hour: s.hour, currency: s.currency, outcome: s.outcome, failure_reason: s.reason }
    const id = `${JSON.stringify(key)}|${s.paymentId}`
    groups.add(key, { payments: counted.has(id) ? 0 : 1, amount_minor: s.amount })
    counted.add(id)
  }
  return groups
}

function regroup(rows: readonly AnswerRow[], keys: string[], sums: string[]): AnswerRow[] {
  const groups = new Groups()
  for (const r of rows)
    groups.add(
      Object.fromEntries(keys.map((k) => [k, r[k] as string])),
      Object.fromEntries(sums.map((s) => [s, r[s] as number])),
    )
  return groups.list()
}

/**
 * Each example's answer computed from the event log alone, keyed by the example's id: the figures
 * the README's queries must give.
 */
export function expectedAnswers(log: EventLog): Record<string, AnswerRow[]> {
  const revenue = revenueParts(log).map((p) => ({ ...p }) as unknown as AnswerRow)
  const revenueBy = (keys: string[]): AnswerRow[] =>
    regroup(revenue, keys, ['minor']).map(({ minor, ...rest }) => ({
      ...rest,
      revenue: round((minor as number) / 100, 2),
    }))

  const stages = funnel(log).map((f) => ({ ...f, orders: 1 }) as AnswerRow)
  const payments = paymentGroups(log).list()

  const fraudDays = new Map<string, { decided: Set<string>; fraud: Set<string> }>()
  for (const e of log.orderEvents) {
    const { name, value } = branch(e.payload)
    if (name !== 'OrderConfirmed' && name !== 'OrderCancelled') continue
    const day = fraudDays.get(dayOf(e.occurredAt)) ?? { decided: new Set(), fraud: new Set() }
    day.decided.add(e.orderId)
    if (name === 'OrderCancelled' && value.reason === 'FRAUD_SUSPECTED') day.fraud.add(e.orderId)
    fraudDays.set(dayOf(e.occurredAt), day)
  }
  const decided = [...fraudDays.values()].reduce((s, d) => s + d.decided.size, 0)
  const fraud = [...fraudDays.values()].reduce((s, d) => s + d.fraud.size, 0)

  const lines = acceptedLines(log)
  const stockOuts = new Groups()
  for (const e of log.stockEvents) {
    const low = e.payload['dev.oxagry.inventory.LowStock' as never] as { available: number } | undefined
    if (low !== undefined)
      stockOuts.add(
        { product_id: e.productId, warehouse_id: e.warehouseId },
        { low_stock_alerts: 1, empty_alerts: low.available <= 0 ? 1 : 0, lines_lost: 0, units_lost: 0 },
      )
  }
  const outOfStock = new Set(
    log.orderEvents
      .filter((e) => {
        const { name, value } = branch(e.payload)
        return name === 'OrderCancelled' && value.reason === 'OUT_OF_STOCK'
      })
      .map((e) => e.orderId),
  )
  for (const orderId of outOfStock)
    for (const item of lines.get(orderId)?.items ?? [])
      stockOuts.add(
        { product_id: item.productId, warehouse_id: item.warehouseId },
        { low_stock_alerts: 0, empty_alerts: 0, lines_lost: 1, units_lost: item.quantity },
      )

  const unitsSold = new Groups()
  for (const [orderId, order] of lines) {
    if (log.orderStatus.get(orderId)?.state !== 'COMPLETED') continue
    for (const item of order.items) {
      const product = log.products.get(item.productId)
      if (product !== undefined) unitsSold.add({ category: product.category }, { units: item.quantity })
    }
  }

  const byState = new Groups()
  for (const s of log.orderStatus.values())
    byState.add({ state: s.state, currency: s.currency }, { orders: 1, total_minor: s.totalMinor })

  const stock = new Groups()
  for (const e of log.stockEvents) {
    const { name, value } = branch(e.payload)
    const onHand = name === 'StockAdjusted' ? (value.delta as number) : 0
    const reserved =
      name === 'StockReserved'
        ? (value.quantity as number)
        : name === 'ReservationReleased'
          ? -(value.quantity as number)
          : 0
    stock.add({ warehouse_id: e.warehouseId }, { on_hand: onHand, reserved })
  }

  const machines = new Groups()
  for (const s of log.sessions.values()) {
    const seconds = (s.endedAt - s.startedAt) / 1000
    const trip = s.kind === 'TRIP'
    machines.add(
      { machine_id: s.machineId },
      {
        trips: trip ? 1 : 0,
        km: trip ? s.distanceMeters / 1000 : 0,
        trip_seconds: trip ? seconds : 0,
        idle_seconds: s.kind === 'IDLE' ? seconds : 0,
      },
    )
  }

  const placedByHour = regroup(stages, ['hour', 'stage'], ['orders'])
  const hours = [...new Set(placedByHour.map((r) => r.hour as string))]

  return {
    'revenue-by-currency-category': revenueBy(['currency', 'category']).sort(by('currency', 'category')),
    'top-products': (() => {
      const sorted = revenueBy(['currency', 'product_id']).sort(by('currency', '-revenue', 'product_id'))
      const kept = new Map<string, number>()
      return sorted.filter((r) => {
        const n = kept.get(r.currency as string) ?? 0
        kept.set(r.currency as string, n + 1)
        return n < 5
      })
    })(),
    'revenue-by-warehouse-hour': revenueBy(['hour', 'warehouse_id', 'currency']).sort(
      by('hour', 'warehouse_id', 'currency'),
    ),
    funnel: regroup(stages, ['stage'], ['orders']).sort(by('stage')),
    'cancellations-by-reason': regroup(
      stages.filter((s) => s.stage === 'CANCELLED'),
      ['reason'],
      ['orders'],
    )
      .map((r) => ({ cancellation_reason: r.reason as string, orders: r.orders as number }))
      .sort(by('cancellation_reason')),
    conversion: hours.sort().map((hour) => {
      const count = (stage: string): number =>
        (placedByHour.find((r) => r.hour === hour && r.stage === stage)?.orders as number | undefined) ?? 0
      return {
        hour,
        placed: count('PLACED'),
        completed: count('COMPLETED'),
        completion_rate: round(count('COMPLETED') / count('PLACED'), 4),
      }
    }),
    'payment-outcomes': regroup(payments, ['outcome', 'currency'], ['payments', 'amount_minor']).sort(
      by('outcome', 'currency'),
    ),
    'payment-failures': regroup(
      payments.filter((p) => p.outcome === 'FAILED'),
      ['failure_reason'],
      ['payments'],
    ).sort(by('failure_reason')),
    'fraud-rate': [{ decided, fraud_suspected: fraud, fraud_rate: round(fraud / decided, 4) }],
    'stock-outs': stockOuts.list().sort(by('product_id', 'warehouse_id')),
    'units-sold': unitsSold.list().sort(by('category')),
    'orders-by-state': byState.list().sort(by('state', 'currency')),
    'stock-on-hand': stock.list().sort(by('warehouse_id')),
    'machine-utilisation': machines
      .list()
      .map((m) => ({
        machine_id: m.machine_id as string,
        trips: m.trips as number,
        trip_km: round(m.km as number, 3),
        utilisation: round(
          (m.trip_seconds as number) / ((m.trip_seconds as number) + (m.idle_seconds as number)),
          4,
        ),
      }))
      .sort(by('machine_id')),
  }
}
