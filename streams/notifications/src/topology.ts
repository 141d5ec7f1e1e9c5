import type { BookingEvent, Notification, NotificationPreference, OrderEvent, StockEvent } from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import {
  PunctuationType,
  Stores,
  StreamsBuilder,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Topology,
} from '@oxagry/streams'
import {
  bookingOutcome,
  orderOutcome,
  stockIntents,
  type BookingSubject,
  type Intent,
  type OrderSubject,
  type Outcome,
} from './intents.ts'
import {
  resolveNotificationsOptions,
  type NotificationsOptions,
  type ResolvedNotificationsOptions,
} from './options.ts'
import { renderIntent } from './render.ts'

/** Store names; each but the global table is also its changelog topic `<applicationId>-<store>-changelog`. */
export const NOTIFICATIONS_STORES = {
  /** The preferences topic as a global table: every task looks up any recipient. */
  preferences: 'notification-preferences',
  /** Per order: its customer, from OrderPlaced, for the decisions that carry none. */
  orders: 'notification-orders',
  /** Per booking: its customer, field and dates, and the progress already told. */
  bookings: 'notification-bookings',
  /** Per notification id: SMS and push held for the recipient's quiet hours, with when they go. */
  held: 'notifications-held',
} as const

/** The repartition by recipient: topic `<applicationId>-notifications-by-recipient-repartition`. */
export const RECIPIENT_REPARTITION = 'notifications-by-recipient'

interface Held {
  readonly notification: Notification
  readonly until: number
}

const S = Serdes.String()

/** Drops the entries a predicate picks (collected first: no writes while iterating). */
function prune<V>(store: KeyValueStore<string, V>, expired: (value: V) => boolean): void {
  const keys: string[] = []
  for (const { key, value } of store.all()) if (expired(value)) keys.push(key)
  for (const key of keys) store.delete(key)
}

/**
 * An event processor: keeps each subject (order, booking) by its key in a store and sends on what its
 * events tell, keyed by recipient. A subject untouched for the retention (stream time) is forgotten.
 */
function subjectProcessor<E extends { occurredAt: number }, S extends { lastAt: number }>(
  options: ResolvedNotificationsOptions,
  store: string,
  decide: (event: E, held: S | undefined) => Outcome<S>,
): () => Processor<string, E | null, string, Intent> {
  return () => {
    let ctx: ProcessorContext<string, Intent>
    let subjects: KeyValueStore<string, S>
    return {
      init(c) {
        ctx = c
        subjects = c.getStateStore(store)
        c.schedule(Math.min(options.subjectRetentionMs, 3_600_000), PunctuationType.STREAM_TIME, (now) =>
          prune(subjects, (s) => s.lastAt < now - options.subjectRetentionMs),
        )
      },
      process(record) {
        if (record.value === null) {
          ctx.recordDropped('a null value (tombstone) on an event topic')
          return
        }
        const outcome = decide(record.value, subjects.get(record.key) ?? undefined)
        if (outcome.subject === null) subjects.delete(record.key)
        else if (outcome.subject !== undefined) subjects.put(record.key, outcome.subject)
        if (outcome.dropped !== undefined) ctx.recordDropped(outcome.dropped)
        for (const intent of outcome.intents)
          ctx.forward({ ...record, key: intent.recipientId, value: intent })
      },
    }
  }
}

/**
 * Per recipient: renders each intent on the channels their preferences turn on and writes it to the
 * outbox, keyed by notification id; SMS and push inside quiet hours wait in a store and a wall-clock
 * punctuation sends them when the hours end.
 */
function recipientProcessor(
  options: ResolvedNotificationsOptions,
): () => Processor<string, Intent, string, Notification> {
  return () => {
    let ctx: ProcessorContext<string, Notification>
    let preferences: KeyValueStore<string, NotificationPreference>
    let held: KeyValueStore<string, Held>
    return {
      init(c) {
        ctx = c
        preferences = c.getStateStore(NOTIFICATIONS_STORES.preferences)
        held = c.getStateStore(NOTIFICATIONS_STORES.held)
        c.schedule(options.releaseIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) => {
          const due: Held[] = []
          for (const { value } of held.all()) if (value.until <= now) due.push(value)
          for (const { notification } of due) {
            held.delete(notification.notificationId)
            ctx.forward({
              key: notification.notificationId,
              value: notification,
              timestamp: now,
              headers: {},
            })
          }
        })
      },
      process(record) {
        const intent = record.value
        const preference = preferences.get(intent.recipientId)
        if (preference === undefined || preference === null) {
          ctx.recordDropped(`recipient ${intent.recipientId} has no notification preferences`)
          return
        }
        for (const r of renderIntent(intent, preference, ctx.currentSystemTimeMs())) {
          const id = r.notification.notificationId
          if (r.kind === 'send') ctx.forward({ ...record, key: id, value: r.notification })
          // A replayed intent finds its notification held already and leaves it (and its time) alone.
          else if (held.get(id) === undefined) held.put(id, { notification: r.notification, until: r.until })
        }
      },
    }
  }
}

/**
 * The notifications topology: order, booking and stock events become intents per recipient
 * (repartitioned by recipient), rendered per channel with the recipient's preferences (a global
 * table) into the outbox. Serdes are injected, so the test driver runs it with an in-memory registry.
 */
export function buildNotificationsTopology(input: NotificationsOptions): Topology {
  const options = resolveNotificationsOptions(input)
  const { topics, serdes } = options
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  builder.globalTable<string, NotificationPreference>(
    topics.preferences,
    { keySerde: S, valueSerde: serdes.preference },
    { storeName: NOTIFICATIONS_STORES.preferences },
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, OrderSubject>(NOTIFICATIONS_STORES.orders, {
      keySerde: S,
      valueSerde: Serdes.Json<OrderSubject>(),
    }),
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, BookingSubject>(NOTIFICATIONS_STORES.bookings, {
      keySerde: S,
      valueSerde: Serdes.Json<BookingSubject>(),
    }),
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, Held>(NOTIFICATIONS_STORES.held, {
      keySerde: S,
      valueSerde: Serdes.Json<Held>(),
    }),
  )

  const orders = builder
    .stream<string, OrderEvent | null>(topics.orderEvents, { keySerde: S, valueSerde: serdes.orderEvent })
    .process(
      subjectProcessor(options, NOTIFICATIONS_STORES.orders, orderOutcome),
      NOTIFICATIONS_STORES.orders,
    )
  const bookings = builder
    .stream<string, BookingEvent | null>(topics.bookingEvents, {
      keySerde: S,
      valueSerde: serdes.bookingEvent,
    })
    .process(
      subjectProcessor(options, NOTIFICATIONS_STORES.bookings, bookingOutcome),
      NOTIFICATIONS_STORES.bookings,
    )
  const stock = builder
    .stream<string, StockEvent | null>(topics.stockEvents, { keySerde: S, valueSerde: serdes.stockEvent })
    .filter((_k, e) => e !== null)
    .flatMap((_k, e) =>
      stockIntents(e!, options.stockRecipients).map((i) => ({ key: i.recipientId, value: i })),
    )

  orders
    .merge(bookings)
    .merge(stock)
    .repartition({ name: RECIPIENT_REPARTITION, keySerde: S, valueSerde: Serdes.Json<Intent>() })
    .process(recipientProcessor(options), NOTIFICATIONS_STORES.held)
    .to(topics.outbox, { keySerde: S, valueSerde: serdes.notification })

  return builder.build()
}
