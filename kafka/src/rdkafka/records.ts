import type { Message, MessageHeader } from 'node-rdkafka'
import type { RecordHeaders } from '../serde.ts'
import type { BrokerRecord } from '../types.ts'

export function toHeaders(headers: readonly MessageHeader[] | undefined): RecordHeaders {
  const out: RecordHeaders = {}
  for (const header of headers ?? []) {
    for (const [name, value] of Object.entries(header))
      out[name] = Buffer.isBuffer(value) ? value : Buffer.from(value)
  }
  return out
}

export function fromHeaders(headers: RecordHeaders): MessageHeader[] {
  return Object.entries(headers).map(([name, value]) => ({ [name]: value }))
}

export function toBrokerRecord(message: Message): BrokerRecord {
  const key =
    message.key === undefined || message.key === null
      ? null
      : Buffer.isBuffer(message.key)
        ? message.key
        : Buffer.from(message.key)
  return {
    topic: message.topic,
    partition: message.partition,
    offset: String(message.offset),
    key,
    value: message.value,
    timestamp: message.timestamp ?? 0,
    headers: toHeaders(message.headers),
  }
}
