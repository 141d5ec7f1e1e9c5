import {
  nameUuid,
  type CurrencyCode,
  type CustomerId,
  type OrderId,
  type PaymentCommand,
  type PaymentId,
} from '@oxagry/avro'
import { readTopic, type KafkaBackend } from '@oxagry/kafka'
import type { PaymentsSerdes, PaymentsTopics } from './options.ts'

// Support shared by the gateway's memory-broker tests and its Kafka integration test.

export function prefixedPaymentsTopics(prefix: string): PaymentsTopics {
  return {
    paymentCommands: `${prefix}.payment-commands`,
    paymentEvents: `${prefix}.payment-events`,
    orderEvents: `${prefix}.order-events`,
    orderValidations: `${prefix}.order-validations`,
    deadLetters: `${prefix}.dead-letters`,
    providerNotifications: `${prefix}.provider-notifications`,
  }
}

export async function createPaymentsTopics(
  backend: KafkaBackend,
  topics: PaymentsTopics,
  partitions = 3,
): Promise<void> {
  const admin = await backend.admin()
  try {
    await admin.createTopics(Object.values(topics).map((name) => ({ name, partitions, config: {} })))
  } finally {
    await admin.close()
  }
}

/** A payment command as the orders application sends it: ids derived as COMMERCE.md says. */
export function paymentCommand(
  order: string,
  kind: 'authorise' | 'capture' | 'void' | 'refund',
  amountMinor: number,
  occurredAt: number,
): PaymentCommand {
  const orderId = order as OrderId
  const paymentId = nameUuid(`payment:${orderId}:1`) as PaymentId
  const currency = 'EUR' as CurrencyCode
  const payload: PaymentCommand['payload'] =
    kind === 'authorise'
      ? {
          'dev.oxagry.payments.AuthorisePayment': {
            amountMinor,
            currency,
            customerId: 'farm-1' as CustomerId,
          },
        }
      : kind === 'capture'
        ? { 'dev.oxagry.payments.CapturePayment': { amountMinor, currency } }
        : kind === 'void'
          ? { 'dev.oxagry.payments.VoidPayment': { amountMinor, currency } }
          : { 'dev.oxagry.payments.RefundPayment': { amountMinor, currency, reason: 'returned' } }
  return { commandId: nameUuid(`${kind}:${orderId}:1`), paymentId, orderId, occurredAt, payload }
}

/** Sends commands, keyed by order, as a plain producer. */
export async function sendCommands(
  backend: KafkaBackend,
  serdes: Pick<PaymentsSerdes, 'paymentCommand'>,
  topic: string,
  commands: readonly (PaymentCommand | Buffer)[],
  key?: string,
): Promise<void> {
  const producer = await backend.producer({ clientId: `send-${topic}` })
  try {
    const records = []
    for (const c of commands) {
      const value = Buffer.isBuffer(c) ? c : await serdes.paymentCommand.serialize(topic, c, {})
      records.push({
        topic,
        key: Buffer.from(Buffer.isBuffer(c) ? (key ?? 'unreadable') : c.orderId),
        value,
        timestamp: Buffer.isBuffer(c) ? Date.now() : c.occurredAt,
        headers: {},
      })
    }
    await producer.send(records)
  } finally {
    await producer.close()
  }
}

/** Every committed record of a topic up to its current end (the Kafka package's). */
export { readTopic }

/** The topic's records decoded, with their keys. */
export async function readDecoded<T>(
  backend: KafkaBackend,
  topic: string,
  serde: { deserialize(topic: string, data: Buffer, headers: Record<string, Buffer>): T | Promise<T> },
): Promise<{ key: string; value: T }[]> {
  const out: { key: string; value: T }[] = []
  for (const r of await readTopic(backend, topic))
    if (r.value !== null)
      out.push({ key: r.key?.toString() ?? '', value: await serde.deserialize(topic, r.value, r.headers) })
  return out
}
