/*
 * Confluent wire format, for keys and values alike:
 *
 *   offset 0     magic byte, always 0
 *   offset 1..4  schema id: the registry's global id, big-endian signed int32
 *   offset 5..   the Avro binary encoding of the value with that (writer) schema
 */
import { AVRO_ERROR_CODES, AvroError } from './errors.ts'

export const MAGIC_BYTE = 0
export const HEADER_SIZE = 5

export interface Frame {
  readonly schemaId: number
  /** A view on the input, not a copy. */
  readonly body: Buffer
}

/** Splits a payload into schema id and body; throws the typed error a dead-letter handler routes on. */
export function readFrame(topic: string, data: Buffer): Frame {
  if (data.length < HEADER_SIZE) {
    throw new AvroError(
      AVRO_ERROR_CODES.TRUNCATED_PAYLOAD,
      `${topic}: ${data.length} bytes cannot hold the 5-byte Confluent header`,
      { context: { topic } },
    )
  }
  if (data[0] !== MAGIC_BYTE) {
    throw new AvroError(
      AVRO_ERROR_CODES.BAD_MAGIC_BYTE,
      `${topic}: magic byte ${data[0]}, expected ${MAGIC_BYTE}: not written by a Confluent Avro serializer`,
      { context: { topic } },
    )
  }
  return { schemaId: data.readInt32BE(1), body: data.subarray(HEADER_SIZE) }
}

/** The 5-byte header for a schema id. */
export function frameHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE)
  header[0] = MAGIC_BYTE
  header.writeInt32BE(schemaId, 1)
  return header
}

/** TopicNameStrategy: the subject of a topic's keys or values. */
export function subjectName(topic: string, part: 'key' | 'value'): string {
  return `${topic}-${part}`
}
