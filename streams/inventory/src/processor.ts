import {
  nameUuid,
  type DeadLetter,
  type OrderId,
  type Product,
  type ReservationId,
  type StockEvent,
  type StockLevel,
} from '@oxagry/avro'
import {
  PunctuationType,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from '@oxagry/streams'
import { deadLetterRecord, parseStockKey, stockKey } from '@oxagry/topics'
import type { LineAnswer } from './answers.ts'
import { INVENTORY_ERROR_CODES, type InventoryErrorCode } from './errors.ts'
import { dueEntries, expiryKey, type ExpiryEntry } from './expiry.ts'
import type { ResolvedInventoryOptions } from './options.ts'
import type { ReceivedCommand } from './received.ts'
import {
  EMPTY_STOCK,
  adjust,
  adjustedBefore,
  available,
  confirm,
  release,
  reserve,
  watchLowStock,
  type Changed,
  type LegacyStockState,
  type Reservation,
  type StockChange,
  type StockState,
} from './stock.ts'

/** The reservations store's key of an order's reservation at a stock key. */
export function reservationKey(stockKey: string, orderId: string): string {
  return `${stockKey}|${orderId}`
}

/** Store names; each logged one is also its changelog topic `<applicationId>-<store>-changelog`. */
export const INVENTORY_STORES = {
  /** Per stock key: on hand, reserved, the low-stock flag, the version. */
  stock: 'stock',
  /** Per stock key and order (`reservationKey`): the order's reservation there. */
  reservations: 'stock-reservations',
  /** `expiresAt|stockKey|orderId` of every unconfirmed reservation: what the expiry punctuation reads. */
  expiry: 'stock-expiry',
  /** The global product table (low-stock thresholds). */
  products: 'products',
  /** Per order: its line answers folded into one INVENTORY validation. */
  answers: 'order-answers',
} as const

/** What the stock processor sends on: split by kind into the topics. */
export type InventoryOutput =
  | { readonly kind: 'event'; readonly event: StockEvent }
  | { readonly kind: 'level'; readonly level: StockLevel }
  | { readonly kind: 'answer'; readonly answer: LineAnswer }
  | { readonly kind: 'dead'; readonly deadLetter: DeadLetter }

const BRANCH = 'dev.oxagry.inventory.'

function payloadOf(change: StockChange): StockEvent['payload'] {
  switch (change.kind) {
    case 'adjusted':
      return {
        [`${BRANCH}StockAdjusted`]: {
          reason: change.reason,
          delta: change.delta,
          reference: change.reference,
        },
      } as StockEvent['payload']
    case 'reserved':
      return {
        [`${BRANCH}StockReserved`]: {
          reservationId: change.reservationId as ReservationId,
          orderId: change.orderId as OrderId,
          quantity: change.quantity,
          expiresAt: change.expiresAt,
        },
      } as StockEvent['payload']
    case 'released':
      return {
        [`${BRANCH}ReservationReleased`]: {
          reservationId: change.reservationId as ReservationId,
          orderId: change.orderId as OrderId,
          quantity: change.quantity,
          reason: change.reason,
        },
      } as StockEvent['payload']
  }
}

/**
 * The stock of every key a task holds, changed by its commands one at a time, so two orders competing
 * for the last units are answered in the order their commands arrived and never both reserved.
 * Every change writes its stock events, a LowStock at a crossing and the new level; every ReserveStock
 * also answers its line, keyed by order id. A wall-clock punctuation releases lapsed reservations.
 */
/** Business counters: reservations by result (a refused one is a stock-out for the order), low-stock alerts. */
export interface InventoryCounters {
  reservation(result: 'reserved' | 'refused' | 'already'): void
  lowStock(): void
}

export const NO_INVENTORY_COUNTERS: InventoryCounters = { reservation: () => {}, lowStock: () => {} }

export function stockProcessor(
  options: ResolvedInventoryOptions,
  counters: InventoryCounters = NO_INVENTORY_COUNTERS,
): () => Processor<string, ReceivedCommand | null, string, InventoryOutput> {
  return () => {
    let ctx: ProcessorContext<string, InventoryOutput>
    let stock: KeyValueStore<string, LegacyStockState>
    let held: KeyValueStore<string, Reservation>
    let index: KeyValueStore<string, ExpiryEntry>
    let products: KeyValueStore<string, Product>

    const send = (key: string, timestamp: number, value: InventoryOutput): void =>
      ctx.forward({ key, value, timestamp, headers: {} })

    const reject = (
      record: StreamRecord<string, ReceivedCommand | null>,
      errorCode: InventoryErrorCode,
      errorMessage: string,
    ): void => {
      const meta = ctx.recordMetadata()
      const { key, value } = deadLetterRecord({
        application: ctx.applicationId,
        stage: 'PROCESSING',
        topic: meta?.topic ?? options.topics.commands,
        partition: meta?.partition ?? -1,
        offset: meta?.offset ?? '-1',
        timestamp: record.timestamp,
        key: record.key === null ? null : Buffer.from(record.key),
        value: record.value?.bytes ?? null,
        headers: record.headers,
        errorCode,
        errorMessage,
      })
      send(key, record.timestamp, { kind: 'dead', deadLetter: value })
    }

    /**
     * Stores the changed state and writes what it changed: its events (ids from `source` and the kind of
     * change, so a replay writes the same ids), a LowStock at a crossing, and the level.
     */
    const publish = (key: string, changed: Changed, at: number, source: string): void => {
      const { productId, warehouseId } = parseStockKey(key)
      const threshold = products.get(productId)?.lowStockThreshold ?? null
      const watched = watchLowStock(changed.state, threshold)
      stock.put(key, watched.state)
      const event = (what: string, payload: StockEvent['payload']): void =>
        send(key, at, {
          kind: 'event',
          event: {
            eventId: nameUuid(`stock-event:${source}:${what}`),
            productId,
            warehouseId,
            occurredAt: at,
            payload,
          },
        })
      for (const change of changed.changes) event(change.kind, payloadOf(change))
      if (watched.lowStock !== undefined) counters.lowStock()
      if (watched.lowStock !== undefined)
        event('low-stock', { [`${BRANCH}LowStock`]: watched.lowStock } as StockEvent['payload'])
      const s = watched.state
      send(key, at, {
        kind: 'level',
        level: {
          productId,
          warehouseId,
          onHand: s.onHand,
          reserved: s.reserved,
          available: available(s),
          lowStockThreshold: threshold,
          updatedAt: s.updatedAt,
          version: s.version,
        },
      })
    }

    /**
     * The stock at a key. A state stored before reservations had their own store still holds them: they
     * move there now, and the state is stored without them.
     */
    const stockAt = (key: string): StockState => {
      const state = stock.get(key)
      if (state === undefined) return EMPTY_STOCK
      if (state.reservations === undefined) return state
      const { reservations, ...rest } = state
      for (const [orderId, reservation] of Object.entries(reservations))
        held.put(reservationKey(key, orderId), reservation)
      stock.put(key, rest)
      return rest
    }

    /** Stores (or with undefined, removes) the order's reservation at a stock key. */
    const hold = (key: string, orderId: string, reservation: Reservation | undefined): void => {
      if (reservation === undefined) held.delete(reservationKey(key, orderId))
      else held.put(reservationKey(key, orderId), reservation)
    }

    const expire = (now: number): void => {
      for (const entry of dueEntries(index, now)) {
        index.delete(expiryKey(entry))
        const state = stockAt(entry.stockKey)
        const reservation = held.get(reservationKey(entry.stockKey, entry.orderId))
        // Confirmed or released since: the entry is stale (both delete it, so this is a safety net).
        if (reservation === undefined || reservation.expiresAt !== entry.expiresAt) continue
        const released = release(state, reservation, entry.orderId, 'EXPIRED', now)
        if (released === undefined) continue
        hold(entry.stockKey, entry.orderId, undefined)
        publish(entry.stockKey, released, now, `expiry:${reservation.reservationId}:${entry.expiresAt}`)
      }
    }

    return {
      init(c) {
        ctx = c
        stock = c.getStateStore(INVENTORY_STORES.stock)
        held = c.getStateStore(INVENTORY_STORES.reservations)
        index = c.getStateStore(INVENTORY_STORES.expiry)
        products = c.getStateStore(INVENTORY_STORES.products)
        c.schedule(options.expiry.punctuationIntervalMs, PunctuationType.WALL_CLOCK_TIME, expire)
      },
      process(record) {
        if (record.value === null) {
          reject(
            record,
            INVENTORY_ERROR_CODES.COMMAND_EMPTY,
            'a null value (tombstone) on the stock commands',
          )
          return
        }
        const command = record.value.command
        const key = stockKey(command.productId, command.warehouseId)
        if (record.key !== key) {
          reject(
            record,
            INVENTORY_ERROR_CODES.COMMAND_INVALID,
            `record key ${JSON.stringify(record.key)} is not the command's stock key ${JSON.stringify(key)}`,
          )
          return
        }
        const at = record.timestamp
        const state = stockAt(key)
        const payload = command.payload
        const source = `command:${command.commandId}`

        if (`${BRANCH}AdjustStock` in payload) {
          const a = payload[`${BRANCH}AdjustStock`]
          if (adjustedBefore(state, command.commandId)) {
            // A sender's retry: applied once already, so the stock is right as it is.
            ctx.recordDropped(`AdjustStock ${command.commandId} at ${key} was applied already`)
            return
          }
          const adjusted = adjust(state, a, at, command.commandId)
          if (adjusted === undefined) {
            reject(
              record,
              INVENTORY_ERROR_CODES.STOCK_BELOW_RESERVED,
              `${a.reason} of ${a.delta} at ${key} would leave ${state.onHand + a.delta} on hand, below the ${state.reserved} reserved`,
            )
            return
          }
          publish(key, adjusted, at, source)
          return
        }

        if (`${BRANCH}ReserveStock` in payload) {
          const r = payload[`${BRANCH}ReserveStock`]
          if (!Number.isInteger(r.quantity) || r.quantity < 1 || r.lineCount < 1) {
            reject(
              record,
              INVENTORY_ERROR_CODES.COMMAND_INVALID,
              `ReserveStock needs a quantity and a line count above 0, got quantity ${r.quantity}, lineCount ${r.lineCount}`,
            )
            return
          }
          const outcome = reserve(
            state,
            held.get(reservationKey(key, r.orderId)),
            {
              orderId: r.orderId,
              reservationId: nameUuid(`reservation:${r.orderId}:${key}`),
              quantity: r.quantity,
              expiresAt: r.expiresAt,
            },
            at,
          )
          counters.reservation(
            outcome.kind === 'refused' ? 'refused' : outcome.kind === 'reserved' ? 'reserved' : 'already',
          )
          if (outcome.kind === 'reserved') {
            hold(key, r.orderId, outcome.reservation)
            publish(key, outcome, at, source)
            const entry = { expiresAt: r.expiresAt, stockKey: key, orderId: r.orderId }
            index.put(expiryKey(entry), entry)
          }
          send(r.orderId, at, {
            kind: 'answer',
            answer: {
              orderId: r.orderId,
              stockKey: key,
              productId: command.productId,
              warehouseId: command.warehouseId,
              lineCount: r.lineCount,
              reserved: outcome.kind !== 'refused',
              wanted: r.quantity,
              available: available(state),
              occurredAt: at,
            },
          })
          return
        }

        if (`${BRANCH}ConfirmReservation` in payload) {
          const { orderId } = payload[`${BRANCH}ConfirmReservation`]
          const reservation = held.get(reservationKey(key, orderId))
          const confirmed = confirm(reservation)
          if (reservation === undefined || confirmed === undefined) return
          hold(key, orderId, confirmed)
          if (reservation.expiresAt !== null)
            index.delete(expiryKey({ expiresAt: reservation.expiresAt, stockKey: key, orderId }))
          return
        }

        if (!(`${BRANCH}ReleaseReservation` in payload)) {
          reject(record, INVENTORY_ERROR_CODES.COMMAND_INVALID, 'a stock command of no known kind')
          return
        }
        const { orderId, reason } = payload[`${BRANCH}ReleaseReservation`]
        const released = release(state, held.get(reservationKey(key, orderId)), orderId, reason, at)
        // A release of what was never reserved (or was released already) changes nothing.
        if (released === undefined) return
        hold(key, orderId, undefined)
        const { expiresAt } = released.reservation
        if (expiresAt !== null) index.delete(expiryKey({ expiresAt, stockKey: key, orderId }))
        publish(key, released, at, source)
      },
    }
  }
}
