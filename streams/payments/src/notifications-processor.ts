import type { DeadLetter, PaymentEvent, ProviderNotification } from '@oxagry/avro'
import {
  PunctuationType,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from '@oxagry/streams'
import { deadLetterRecord } from '@oxagry/topics'
import { outcomeEventOf, paymentOperationOf, type OutcomeSource } from './commands.ts'
import { PAYMENTS_ERROR_CODES } from './errors.ts'
import {
  expectedOutcomeIdOf,
  finalOutcomeOf,
  mismatchOf,
  reportOf,
  settledOperationOf,
} from './notification-outcomes.ts'
import type { ResolvedPaymentsOptions } from './options.ts'
import type { PaymentOperation } from './provider.ts'

/** What the notifications processor reads: the payment events and the provider notifications, merged. */
export type NotificationInput =
  | { readonly kind: 'event'; readonly event: PaymentEvent }
  | { readonly kind: 'notification'; readonly notification: ProviderNotification }

/** What it writes: an outcome event, or a dead letter for a notification it cannot use. */
export type NotificationOutput =
  | { readonly kind: 'event'; readonly event: PaymentEvent }
  | { readonly kind: 'dead-letter'; readonly key: string; readonly deadLetter: DeadLetter }

/** Where a held notification came from, for its dead letter. */
interface Origin {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly timestamp: number
}

/**
 * Per payment and call (`paymentId|operation`), what is known: the gateway left it pending (and which
 * command it was), its outcome is written (by either path), or a report came before the gateway's
 * note and waits for it.
 */
export type OutcomeEntry =
  | {
      readonly state: 'pending'
      readonly source: OutcomeSource
      readonly amountMinor: number
      readonly at: number
    }
  | { readonly state: 'done'; readonly eventId: string; readonly at: number }
  | {
      readonly state: 'early'
      readonly notification: ProviderNotification
      readonly origin: Origin
      readonly heldSince: number
      readonly at: number
    }

export const NOTIFICATIONS_STORE = 'provider-outcomes'

const keyOf = (paymentId: string, operation: PaymentOperation): string => `${paymentId}|${operation}`

/**
 * Turns provider notifications into payment events, exactly one per call: a report of a call the
 * gateway left pending becomes its outcome event, with the id the synchronous path would have given
 * it; a report of a call whose outcome is written (twice delivered, or answered at once) is dropped;
 * a report before the gateway's note waits for it up to `unmatchedNotificationMs` of wall-clock time,
 * then is dead-lettered as unmatched; one that cannot be the call's outcome is dead-lettered at once.
 */
export function notificationsProcessor(
  options: ResolvedPaymentsOptions,
): () => Processor<string, NotificationInput, string, NotificationOutput> {
  const { topics, serdes, notifications } = options
  return () => {
    let ctx: ProcessorContext<string, NotificationOutput>
    let store: KeyValueStore<string, OutcomeEntry>

    const deadLetter = (
      notification: ProviderNotification,
      origin: Origin,
      code: string,
      message: string,
    ): void => {
      const bytes = serdes.providerNotification.serialize(origin.topic, notification, {})
      if (!Buffer.isBuffer(bytes))
        throw new Error('the provider notification serde must answer synchronously')
      const { key, value } = deadLetterRecord({
        application: ctx.applicationId,
        stage: 'PROCESSING',
        ...origin,
        key: Buffer.from(notification.orderId),
        value: bytes,
        headers: {},
        errorCode: code,
        errorMessage: message,
      })
      ctx.forward({
        key: notification.orderId,
        value: { kind: 'dead-letter', key, deadLetter: value },
        timestamp: origin.timestamp,
        headers: {},
      })
    }

    const emit = (
      key: string,
      source: OutcomeSource,
      notification: ProviderNotification,
      timestamp: number,
    ): void => {
      const report = reportOf(notification)!
      const event = outcomeEventOf(source, finalOutcomeOf(notification, report))
      store.put(key, { state: 'done', eventId: event.eventId, at: timestamp })
      ctx.forward({ key: event.orderId, value: { kind: 'event', event }, timestamp, headers: {} })
    }

    const onEvent = (event: PaymentEvent, record: StreamRecord<string, NotificationInput>): void => {
      const operation = settledOperationOf(event)
      if (operation === undefined) return
      const key = keyOf(event.paymentId, operation)
      const held = store.get(key)
      if (held?.state === 'done') return
      if (held?.state === 'pending' && expectedOutcomeIdOf(held.source) !== event.eventId) return
      if (held?.state === 'early')
        ctx.recordDropped('a provider report of a call whose outcome was written by the gateway')
      store.put(key, { state: 'done', eventId: event.eventId, at: record.timestamp })
    }

    const onNotification = (
      notification: ProviderNotification,
      record: StreamRecord<string, NotificationInput>,
    ): void => {
      const meta = ctx.recordMetadata()
      const origin: Origin = {
        topic: meta?.topic ?? topics.providerNotifications,
        partition: meta?.partition ?? -1,
        offset: meta?.offset ?? '-1',
        timestamp: record.timestamp,
      }
      const operation = paymentOperationOf(notification.operation)
      if (operation === undefined) {
        deadLetter(
          notification,
          origin,
          PAYMENTS_ERROR_CODES.NOTIFICATION_INVALID,
          `the operation ${notification.operation} is not one this version knows`,
        )
        return
      }
      const key = keyOf(notification.paymentId, operation)
      const held = store.get(key)
      const payload = notification.payload
      if ('dev.oxagry.payments.PaymentPending' in payload) {
        const note = payload['dev.oxagry.payments.PaymentPending']
        const pending = {
          state: 'pending' as const,
          source: {
            commandId: note.commandId,
            paymentId: notification.paymentId,
            orderId: notification.orderId,
            operation,
            currency: note.currency,
            refundReason: note.refundReason,
          },
          amountMinor: note.amountMinor,
          at: record.timestamp,
        }
        if (held === undefined) store.put(key, pending)
        else if (held.state === 'early')
          settle(key, pending, held.notification, held.origin, record.timestamp)
        return
      }
      if (held?.state === 'done') {
        ctx.recordDropped('a provider report of a call whose outcome is written (delivered again)')
        return
      }
      if (held?.state === 'early') {
        ctx.recordDropped('a provider report of a call already waiting for its pending note')
        return
      }
      if (held?.state === 'pending') {
        settle(key, held, notification, origin, record.timestamp)
        return
      }
      store.put(key, {
        state: 'early',
        notification,
        origin,
        heldSince: ctx.currentSystemTimeMs(),
        at: record.timestamp,
      })
    }

    const settle = (
      key: string,
      pending: Extract<OutcomeEntry, { state: 'pending' }>,
      notification: ProviderNotification,
      origin: Origin,
      timestamp: number,
    ): void => {
      const why = mismatchOf(pending, reportOf(notification)!)
      if (why !== undefined) {
        // The call stays pending: a correct report may still come, or the order's deadline decides.
        store.put(key, pending)
        deadLetter(notification, origin, PAYMENTS_ERROR_CODES.NOTIFICATION_INVALID, why)
        return
      }
      emit(key, pending.source, notification, timestamp)
    }

    return {
      init(c) {
        ctx = c
        store = c.getStateStore(NOTIFICATIONS_STORE)
        c.schedule(notifications.checkIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) => {
          const unmatched: [string, Extract<OutcomeEntry, { state: 'early' }>][] = []
          for (const { key, value } of store.all())
            if (value.state === 'early' && value.heldSince + notifications.unmatchedNotificationMs <= now)
              unmatched.push([key, value])
          for (const [key, held] of unmatched) {
            store.delete(key)
            deadLetter(
              held.notification,
              held.origin,
              PAYMENTS_ERROR_CODES.NOTIFICATION_UNMATCHED,
              `no pending call of payment ${held.notification.paymentId} (${held.notification.operation}) ` +
                `claimed the report within ${notifications.unmatchedNotificationMs} ms: an unknown payment or call`,
            )
          }
        })
        c.schedule(options.fraud.pruneIntervalMs, PunctuationType.STREAM_TIME, (now) => {
          const old: string[] = []
          for (const { key, value } of store.all())
            if (value.state !== 'early' && value.at < now - options.answerRetentionMs) old.push(key)
          for (const key of old) store.delete(key)
        })
      },
      process(record) {
        const input = record.value
        if (input.kind === 'event') onEvent(input.event, record)
        else onNotification(input.notification, record)
      },
    }
  }
}
