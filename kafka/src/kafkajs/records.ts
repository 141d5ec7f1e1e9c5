// kafkajs' message shapes to and from the backend's records, and the splitting of large sends.
import type { EachBatchPayload, IHeaders, Message } from 'kafkajs'
import type { RecordHeaders } from '../serde.ts'
import type { BrokerRecord, ProducedRecord, TopicPartition } from '../types.ts'

function toHeaders(headers: IHeaders | undefined): RecordHeaders {
  const out: RecordHeaders = {}
  if (headers === undefined) return out
  for (const [k, v] of Object.entries(headers)) {
    const value = Array.isArray(v) ? v[v.length - 1] : v
    if (value !== undefined) out[k] = Buffer.isBuffer(value) ? value : Buffer.from(value)
  }
  return out
}

export function toBrokerRecords(payload: EachBatchPayload): BrokerRecord[] {
  const { topic, partition, messages } = payload.batch
  return messages.map((m) => ({
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    timestamp: Number(m.timestamp),
    headers: toHeaders(m.headers),
  }))
}

export function groupByTopic(records: readonly ProducedRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>()
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? []
    list.push({
      key: r.key,
      value: r.value,
      timestamp: String(r.timestamp),
      headers: r.headers,
      ...(r.partition === undefined ? {} : { partition: r.partition }),
    })
    byTopic.set(r.topic, list)
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }))
}

/** Bytes and records per produce request: below the broker's default 1 MiB per batch, with room for framing. */
const MAX_CHUNK_BYTES = 512 * 1024
const MAX_CHUNK_RECORDS = 2000

function sizeOf(record: ProducedRecord): number {
  let size = 64 + (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const [name, value] of Object.entries(record.headers)) size += name.length + value.length
  return size
}

/**
 * Splits a send into requests the broker accepts: kafkajs puts a partition's messages in one record
 * batch, which past max.message.bytes (1 MiB by default) fails as MESSAGE_TOO_LARGE, and it groups
 * messages per partition in quadratic time, so one huge send also stalls the event loop.
 */
export function* chunks(records: readonly ProducedRecord[]): Generator<ProducedRecord[]> {
  let chunk: ProducedRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = sizeOf(record)
    if (chunk.length > 0 && (bytes + size > MAX_CHUNK_BYTES || chunk.length >= MAX_CHUNK_RECORDS)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(record)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}

export function partitionsOf(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) =>
    partitions.map((partition) => ({ topic, partition })),
  )
}
