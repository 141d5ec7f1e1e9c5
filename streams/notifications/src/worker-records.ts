import type { NotificationDelivery } from '@oxagry/avro'
import type { BrokerRecord, ProducedRecord } from '@oxagry/kafka'
import { deadLetterRecord } from '@oxagry/topics'
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
    headers: {},
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
