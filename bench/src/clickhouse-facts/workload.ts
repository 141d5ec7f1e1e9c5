import type { OrderEvent, OrderStatus, PaymentEvent, StockEvent } from '@oxagry/avro'

/** A synthetic commerce day for the fact sink: every order placed, confirmed, paid and completed. */
export interface FactRecords {
  readonly orderEvents: { key: string; value: OrderEvent }[]
  readonly orderStatus: { key: string; value: OrderStatus }[]
  readonly paymentEvents: { key: string; value: PaymentEvent }[]
  readonly stockEvents: { key: string; value: StockEvent }[]
  /** Rows the records make in ClickHouse (an OrderPlaced makes one event row and one row per line). */
  readonly tableRows: number
}

const PRODUCTS = ['SEED-WHEAT-25KG', 'FERT-NPK-600KG', 'CP-HERB-5L', 'PART-FILTER', 'RENT-TRACTOR-DAY']
const WAREHOUSES = ['wh-north', 'wh-south', 'wh-east']

/** Nine records and eleven rows per order: 3 order events (2 lines), its status, 3 payment steps, 2 reservations. */
export function factWorkload(orders: number, start = Date.UTC(2026, 0, 1)): FactRecords {
  const out: FactRecords = {
    orderEvents: [],
    orderStatus: [],
    paymentEvents: [],
    stockEvents: [],
    tableRows: 0,
  }
  let tableRows = 0
  for (let i = 0; i < orders; i++) {
    const orderId = `bench-order-${i}`
    const at = start + i * 50
    const lines = [0, 1].map((l) => ({
      productId: PRODUCTS[(i + l) % PRODUCTS.length] as string,
      warehouseId: WAREHOUSES[(i + l) % WAREHOUSES.length] as string,
      quantity: 1 + ((i + l) % 5),
      unitPriceMinor: 1000 + 100 * l,
    }))
    const total = lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0)
    const event = (n: number, payload: OrderEvent['payload']) =>
      out.orderEvents.push({
        key: orderId,
        value: { eventId: `${orderId}-e${n}`, orderId, occurredAt: at + n, payload } as OrderEvent,
      })
    event(0, {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: `farm-${i % 200}`,
        items: lines,
        currency: 'EUR',
        deliveryLocation: { latitude: 52, longitude: 9.7, address: null },
        idempotencyKey: `k-${i}`,
      },
    } as unknown as OrderEvent['payload'])
    event(1, { 'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null } })
    event(2, {
      'dev.oxagry.orders.OrderCompleted': { deliveredAt: at + 2 },
    } as unknown as OrderEvent['payload'])
    // The status topic is compacted: a reader finds each order's latest status only.
    for (const [version, state, payment] of [[7, 'COMPLETED', 'CAPTURED']] as const)
      out.orderStatus.push({
        key: orderId,
        value: {
          orderId,
          customerId: `farm-${i % 200}`,
          state,
          paymentState: payment,
          totalMinor: total,
          currency: 'EUR',
          itemCount: 2,
          placedAt: at,
          updatedAt: at + version,
          cancellationReason: null,
          note: null,
          version,
        } as OrderStatus,
      })
    const steps: PaymentEvent['payload'][] = [
      { 'dev.oxagry.payments.PaymentRequested': { amountMinor: total, currency: 'EUR', method: 'CARD' } },
      {
        'dev.oxagry.payments.PaymentAuthorised': {
          amountMinor: total,
          currency: 'EUR',
          authorisationCode: `A${i}`,
          expiresAt: null,
        },
      },
      { 'dev.oxagry.payments.PaymentCaptured': { amountMinor: total, currency: 'EUR' } },
    ] as PaymentEvent['payload'][]
    steps.forEach((payload, n) =>
      out.paymentEvents.push({
        key: orderId,
        value: {
          eventId: `${orderId}-p${n}`,
          paymentId: `pay-${i}`,
          orderId,
          occurredAt: at + n,
          payload,
        } as PaymentEvent,
      }),
    )
    lines.forEach((line, n) =>
      out.stockEvents.push({
        key: `${line.productId}|${line.warehouseId}`,
        value: {
          eventId: `${orderId}-s${n}`,
          productId: line.productId,
          warehouseId: line.warehouseId,
          occurredAt: at,
          payload: {
            'dev.oxagry.inventory.StockReserved': {
              reservationId: `${orderId}-r${n}`,
              orderId,
              quantity: line.quantity,
              expiresAt: null,
            },
          },
        } as StockEvent,
      }),
    )
    tableRows += 3 + lines.length + 1 + 3 + lines.length
  }
  return { ...out, tableRows }
}
