import type {
  DeadLetter,
  OrderEvent,
  OrderValidation,
  PaymentEvent,
  ProviderNotification,
} from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import {
  PunctuationType,
  Stores,
  StreamsBuilder,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type TimestampExtractor,
  type Topology,
} from '@oxagry/streams'
import {
  fraudOrderOf,
  fraudValidation,
  limitFor,
  sameOrder,
  spendAt,
  spendKeyOf,
  withoutOrder,
  type FraudEntry,
  type IndexedOrder,
  type RecentSpend,
} from './fraud.ts'
import { resolvePaymentsOptions, type PaymentsOptions, type ResolvedPaymentsOptions } from './options.ts'
import {
  NOTIFICATIONS_STORE,
  notificationsProcessor,
  type NotificationInput,
  type NotificationOutput,
  type OutcomeEntry,
} from './notifications-processor.ts'
import { answerKeyOf, paymentValidation } from './payment-answers.ts'

/** Store names; each is also its changelog topic `<applicationId>-<store>-changelog`. */
export const PAYMENTS_STORES = {
  /** Per order and payment: the payment event answered, so a replayed or duplicated one answers once. */
  answers: 'payment-answers',
  /** Per order: customer, currency, total and time, for cancellations, which carry no customer. */
  fraudOrders: 'fraud-orders',
  /** Per customer and currency: the recent orders not cancelled, the sliding window's content. */
  fraudSpend: 'fraud-spend',
  /** Per payment and call: pending (the gateway's note), written, or a report waiting for its note. */
  notifications: NOTIFICATIONS_STORE,
} as const

/** The repartition by customer and currency: topic `<applicationId>-fraud-by-customer-repartition`. */
export const FRAUD_REPARTITION = 'fraud-by-customer'

interface Answered {
  readonly eventId: string
  readonly passed: boolean
  readonly at: number
}

const S = Serdes.String()

/** How far an event's own time may lie past its record's before it is taken for a wrong clock. */
export const MAX_FUTURE_EVENT_MS = 5 * 60_000

/**
 * Event time of an order event is when it happened at the source, not when it was written. A time
 * further ahead of the record's than a clock can be wrong by would move stream time on and prune every
 * customer's window: the record's own time stands in for it.
 */
const orderEventTime: TimestampExtractor = (record, _key, value) => {
  const t = (value as OrderEvent | null)?.occurredAt
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 && t <= record.timestamp + MAX_FUTURE_EVENT_MS
    ? t
    : record.timestamp
}

/** Drops the entries a predicate picks from a key-value store (collected first: no writes while iterating). */
function prune<V>(store: KeyValueStore<string, V>, expired: (value: V) => boolean): void {
  const keys: string[] = []
  for (const { key, value } of store.all()) if (expired(value)) keys.push(key)
  for (const key of keys) store.delete(key)
}

function paymentAnswerProcessor(
  options: ResolvedPaymentsOptions,
): () => Processor<string, PaymentEvent | null, string, OrderValidation> {
  return () => {
    let ctx: ProcessorContext<string, OrderValidation>
    let answers: KeyValueStore<string, Answered>
    return {
      init(c) {
        ctx = c
        answers = c.getStateStore(PAYMENTS_STORES.answers)
        c.schedule(options.fraud.pruneIntervalMs, PunctuationType.STREAM_TIME, (now) =>
          prune(answers, (a) => a.at < now - options.answerRetentionMs),
        )
      },
      process(record) {
        const event = record.value
        if (event === null) {
          ctx.recordDropped('a null value (tombstone) on the payment events topic')
          return
        }
        const validation = paymentValidation(event)
        if (validation === undefined) return
        const key = answerKeyOf(event)
        if (answers.get(key) !== undefined) {
          ctx.recordDropped('the payment of this order was answered already (a replayed or duplicated event)')
          return
        }
        answers.put(key, { eventId: event.eventId, passed: validation.passed, at: record.timestamp })
        ctx.forward({ ...record, key: event.orderId, value: validation })
      },
    }
  }
}

/** Sub-topology 1: keeps each order by id and sends placements and cancellations on, with the customer. */
function orderIndexProcessor(
  options: ResolvedPaymentsOptions,
): () => Processor<string, OrderEvent | null, string, FraudEntry> {
  return () => {
    let ctx: ProcessorContext<string, FraudEntry>
    let orders: KeyValueStore<string, IndexedOrder>
    return {
      init(c) {
        ctx = c
        orders = c.getStateStore(PAYMENTS_STORES.fraudOrders)
        c.schedule(options.fraud.pruneIntervalMs, PunctuationType.STREAM_TIME, (now) =>
          prune(orders, (o) => o.placedAt < now - options.fraud.windowMs),
        )
      },
      process(record) {
        const event = record.value
        if (event === null) {
          ctx.recordDropped('a null value (tombstone) on the order events topic')
          return
        }
        const payload = event.payload
        if ('dev.oxagry.orders.OrderPlaced' in payload) {
          // The record's time is the event time the extractor settled on (occurredAt, unless implausible).
          const order = fraudOrderOf(
            event.orderId,
            record.timestamp,
            payload['dev.oxagry.orders.OrderPlaced'],
          )
          const held = orders.get(event.orderId)
          if (held !== undefined && (held.cancelled || !sameOrder(held, order))) {
            ctx.recordDropped(
              held.cancelled
                ? 'a cancelled order placed again'
                : 'an order id placed again with another body (the orders application refuses it)',
            )
            return
          }
          orders.put(event.orderId, { ...order, cancelled: false })
          ctx.forward({ ...record, key: event.orderId, value: { kind: 'placed', order } })
        } else if ('dev.oxagry.orders.OrderCancelled' in payload) {
          const held = orders.get(event.orderId)
          if (held === undefined || held.cancelled) return
          orders.put(event.orderId, { ...held, cancelled: true })
          const { cancelled: _cancelled, ...order } = held
          ctx.forward({ ...record, key: event.orderId, value: { kind: 'cancelled', order } })
        }
      },
    }
  }
}

/** Sub-topology 2: per customer and currency, the sliding hour's spend, and the FRAUD answer of each order. */
function fraudProcessor(
  options: ResolvedPaymentsOptions,
): () => Processor<string, FraudEntry, string, OrderValidation> {
  const { windowMs } = options.fraud
  return () => {
    let ctx: ProcessorContext<string, OrderValidation>
    let spends: KeyValueStore<string, RecentSpend>
    return {
      init(c) {
        ctx = c
        spends = c.getStateStore(PAYMENTS_STORES.fraudSpend)
        c.schedule(options.fraud.pruneIntervalMs, PunctuationType.STREAM_TIME, (now) => {
          const changed: [string, RecentSpend][] = []
          for (const { key, value } of spends.all()) {
            const kept = value.orders.filter((o) => o.placedAt >= now - windowMs)
            if (kept.length !== value.orders.length) changed.push([key, { orders: kept }])
          }
          for (const [key, value] of changed) spends.put(key, value.orders.length === 0 ? null : value)
        })
      },
      process(record) {
        const { kind, order } = record.value
        const keepFrom = ctx.currentStreamTimeMs() - windowMs
        const held = spends.get(record.key)
        if (kind === 'cancelled') {
          const next = withoutOrder(held, order.orderId, keepFrom)
          spends.put(record.key, next.orders.length === 0 ? null : next)
          return
        }
        let next = withoutOrder(held, order.orderId, keepFrom)
        if (order.totalMinor !== null) {
          const mine = { orderId: order.orderId, totalMinor: order.totalMinor, placedAt: order.placedAt }
          const counted = { orders: [...next.orders, mine] }
          // An order later than the window (by stream time) is answered, but no longer kept.
          if (order.placedAt >= keepFrom) next = counted
          const spend = spendAt(counted, order.placedAt, windowMs)
          spends.put(record.key, next.orders.length === 0 ? null : next)
          const limit = limitFor(order.currency, options.fraud)
          ctx.forward({
            ...record,
            key: order.orderId,
            value: fraudValidation(order, spend, limit, windowMs),
          })
          return
        }
        ctx.forward({ ...record, key: order.orderId, value: fraudValidation(order, 0, 0, windowMs) })
      },
    }
  }
}

/**
 * The payments topology: the PAYMENT answer of each order from its payment events, and the FRAUD
 * answer from each customer's spend per currency over a sliding hour of event time. Serdes are
 * injected, so the test driver runs it with an in-memory registry and production with the Confluent one.
 */
export function buildPaymentsTopology(input: PaymentsOptions): Topology {
  const options = resolvePaymentsOptions(input)
  const { topics, serdes } = options
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  const validations = { keySerde: S, valueSerde: serdes.validation }

  builder.addStateStore(
    Stores.inMemoryKeyValueStore<string, Answered>(PAYMENTS_STORES.answers, {
      keySerde: S,
      valueSerde: Serdes.Json<Answered>(),
    }),
  )
  builder.addStateStore(
    Stores.inMemoryKeyValueStore<string, IndexedOrder>(PAYMENTS_STORES.fraudOrders, {
      keySerde: S,
      valueSerde: Serdes.Json<IndexedOrder>(),
    }),
  )
  builder.addStateStore(
    Stores.inMemoryKeyValueStore<string, RecentSpend>(PAYMENTS_STORES.fraudSpend, {
      keySerde: S,
      valueSerde: Serdes.Json<RecentSpend>(),
    }),
  )

  builder.addStateStore(
    Stores.inMemoryKeyValueStore<string, OutcomeEntry>(PAYMENTS_STORES.notifications, {
      keySerde: S,
      valueSerde: Serdes.Json<OutcomeEntry>(),
    }),
  )

  const paymentEvents = builder.stream<string, PaymentEvent | null>(topics.paymentEvents, {
    keySerde: S,
    valueSerde: serdes.paymentEvent,
  })
  paymentEvents
    .process(paymentAnswerProcessor(options), PAYMENTS_STORES.answers)
    .to(topics.orderValidations, validations)

  // Provider notifications: co-partitioned with the payment events, so the task that sees a call's
  // outcome written also sees its pending note and the provider's report, in one store.
  const notified = builder
    .stream<string, ProviderNotification | null>(topics.providerNotifications, {
      keySerde: S,
      valueSerde: serdes.providerNotification,
    })
    .filter((_k, n) => n !== null)
    .mapValues((n): NotificationInput => ({ kind: 'notification', notification: n! }))
  const outcomes = paymentEvents
    .filter((_k, e) => e !== null)
    .mapValues((e): NotificationInput => ({ kind: 'event', event: e! }))
    .merge(notified)
    .process(notificationsProcessor(options), PAYMENTS_STORES.notifications)
  outcomes
    .filter((_k, o) => o.kind === 'event')
    .mapValues((o) => (o as Extract<NotificationOutput, { kind: 'event' }>).event)
    .to(topics.paymentEvents, { keySerde: S, valueSerde: serdes.paymentEvent })
  outcomes
    .filter((_k, o) => o.kind === 'dead-letter')
    .selectKey((_k, o) => (o as Extract<NotificationOutput, { kind: 'dead-letter' }>).key)
    .mapValues((o): DeadLetter => (o as Extract<NotificationOutput, { kind: 'dead-letter' }>).deadLetter)
    .to(topics.deadLetters, { keySerde: S, valueSerde: serdes.deadLetter })

  builder
    .stream<string, OrderEvent | null>(topics.orderEvents, {
      keySerde: S,
      valueSerde: serdes.orderEvent,
      timestampExtractor: orderEventTime,
    })
    .process(orderIndexProcessor(options), PAYMENTS_STORES.fraudOrders)
    .selectKey((_orderId, entry) => spendKeyOf(entry.order))
    .repartition({ name: FRAUD_REPARTITION, keySerde: S, valueSerde: Serdes.Json<FraudEntry>() })
    .process(fraudProcessor(options), PAYMENTS_STORES.fraudSpend)
    .to(topics.orderValidations, validations)

  return builder.build()
}
