import { errorCode as codeOf, errorMessage as messageOf, injectTraceContext } from '@oxagry/kafka'
import type { PaymentEvent, ProviderNotification } from '@oxagry/avro'
import type { BrokerRecord, ProducedRecord } from '@oxagry/kafka'
import { deadLetterRecord } from '@oxagry/topics'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import type { GatewayOptions, ResolvedGatewayOptions } from './gateway-options.ts'

// The records the gateway writes, each keyed by order so it lands on the order's partition.

type Serdes = GatewayOptions['serdes']

export async function eventRecord(
  serdes: Serdes,
  config: ResolvedGatewayOptions,
  event: PaymentEvent,
): Promise<ProducedRecord> {
  const topic = config.topics.paymentEvents
  return {
    topic,
    key: Buffer.from(event.orderId),
    value: await serdes.paymentEvent.serialize(topic, event, {}),
    timestamp: event.occurredAt,
    // Built while the command's span is active (the gateway runs each command in it).
    headers: injectTraceContext({}),
  }
}

/** The note that a command was left pending, on the provider notifications topic. */
export async function noteRecord(
  serdes: Serdes,
  config: ResolvedGatewayOptions,
  note: ProviderNotification,
): Promise<ProducedRecord> {
  const topic = config.topics.providerNotifications
  return {
    topic,
    key: Buffer.from(note.orderId),
    value: await serdes.providerNotification.serialize(topic, note, {}),
    timestamp: note.occurredAt,
    headers: injectTraceContext({}),
  }
}

/** A command that cannot be read, with its bytes and why, as the catalogue's dead letter. */
export async function commandDeadLetter(
  serdes: Serdes,
  config: ResolvedGatewayOptions,
  record: BrokerRecord,
  error: unknown,
): Promise<ProducedRecord> {
  const topic = config.topics.deadLetters
  const code = error instanceof PaymentsError ? error.code : codeOf(error)
  const { key, value } = deadLetterRecord({
    application: config.groupId,
    stage: 'DESERIALIZATION',
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers,
    errorCode: code === 'OXA_UNKNOWN' ? PAYMENTS_ERROR_CODES.COMMAND_UNREADABLE : code,
    errorMessage: messageOf(error),
  })
  return {
    topic,
    key: Buffer.from(key),
    value: await serdes.deadLetter.serialize(topic, value, {}),
    timestamp: record.timestamp,
    headers: {},
  }
}
