import type { Notification, NotificationDelivery } from '@oxagry/avro'
import { injectTraceContext, type BrokerRecord, type CallResult, type ProducedRecord } from '@oxagry/kafka'
import { deadLetterRecord } from '@oxagry/topics'
import type { ChannelOutcome } from './channel.ts'
import { NOTIFICATIONS_ERROR_CODES } from './errors.ts'
import type { ChannelWorkerOptions, ResolvedWorkerOptions } from './worker-options.ts'

// The records the channel worker writes: one delivery outcome per notification, keyed by its id, and
// dead letters for what could not be read or sent.

type Serdes = ChannelWorkerOptions['serdes']

export async function deliveryRecord(
  serdes: Serdes,
  config: ResolvedWorkerOptions,
  delivery: NotificationDelivery,
): Promise<ProducedRecord> {
  const topic = config.topics.deliveries
  return {
    topic,
    key: Buffer.from(delivery.notificationId),
    value: await serdes.delivery.serialize(topic, delivery, {}),
    timestamp: delivery.at,
    // Built while the notification's span is active (the worker sends each in it).
    headers: injectTraceContext({}),
  }
}

/** An outbox record that could not be read or sent, with its bytes and why, as the catalogue's dead letter. */
export async function notificationDeadLetter(
  serdes: Serdes,
  config: ResolvedWorkerOptions,
  record: BrokerRecord,
  failure: { stage: 'DESERIALIZATION' | 'PROCESSING'; code: string; message: string; at: number },
): Promise<ProducedRecord> {
  const topic = config.topics.deadLetters
  const { key, value } = deadLetterRecord({
    application: config.groupId,
    stage: failure.stage,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers,
    errorCode: failure.code,
    errorMessage: failure.message,
  })
  return {
    topic,
    key: Buffer.from(key),
    value: await serdes.deadLetter.serialize(topic, value, {}),
    timestamp: failure.at,
    headers: {},
  }
}

/** What became of one send: the provider's final answer, given up after retries, or stopped. */
export type SendResult = CallResult<ChannelOutcome>

/** A failure as its dead letter names it. */
export interface Failure {
  readonly stage: 'PROCESSING'
  readonly code: string
  readonly message: string
  readonly at: number
}

/** The outcome of a send as the deliveries topic records it, and the dead letter's reason when it failed. */
export function deliveryOf(
  notification: Notification,
  result: Exclude<SendResult, { kind: 'stopped' }>,
  now: () => number,
): { delivery: NotificationDelivery; failure?: Failure } {
  const base = {
    notificationId: notification.notificationId,
    recipientId: notification.recipientId,
    channel: notification.channel,
    attempts: result.attempts,
  }
  if (result.kind === 'answered' && result.answer.status === 'sent')
    return {
      delivery: {
        ...base,
        status: 'SENT',
        providerReference: result.answer.reference,
        reason: null,
        at: result.answer.at,
      },
    }
  const refused = result.kind === 'answered' ? result.answer : undefined
  const reason =
    refused !== undefined && refused.status === 'rejected'
      ? `refused by the provider: ${refused.reason}`
      : `gave up after ${result.attempts} attempts: ${result.kind === 'exhausted' ? result.reason : ''}`
  const at = refused !== undefined ? refused.at : now()
  return {
    delivery: { ...base, status: 'FAILED', providerReference: null, reason, at },
    failure: {
      stage: 'PROCESSING',
      code:
        refused !== undefined
          ? NOTIFICATIONS_ERROR_CODES.CHANNEL_REJECTED
          : NOTIFICATIONS_ERROR_CODES.DELIVERY_FAILED,
      message: `${notification.channel} notification ${notification.notificationId} to ${notification.recipientId}: ${reason}`,
      at,
    },
  }
}
