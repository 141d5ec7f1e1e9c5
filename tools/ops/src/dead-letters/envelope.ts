import { Contracts, createAvroSerde, type DeadLetter, type SchemaRegistryClient } from '@oxagry/avro'
import type { BrokerRecord } from '@oxagry/kafka'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import type { Filterable } from '../filter.ts'

/** A record of a dead-letter topic, decoded: where it sits and the catalogue's envelope. */
export interface DecodedDeadLetter extends Filterable {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly envelope: DeadLetter
  /** The dead letter this one's failed record was replayed from, when it was a replay. */
  readonly replayOf?: string
}

export type DeadLetterDecoder = (record: BrokerRecord) => Promise<DecodedDeadLetter>

/** Decodes envelopes (Confluent-framed Avro, writer schemas from the registry); a bad one is a typed error naming its position. */
export async function deadLetterDecoder(registry: SchemaRegistryClient): Promise<DeadLetterDecoder> {
  const serde = await createAvroSerde({ registry, contract: Contracts.DeadLetter })
  return async (record) => {
    const where = `${record.topic}:${record.partition}:${record.offset}`
    if (record.value === null)
      throw new OpsError(OPS_ERROR_CODES.INVALID_DEAD_LETTER, `${where} has no value: not a dead letter`, {
        context: { topic: record.topic, partition: record.partition, offset: record.offset },
      })
    let envelope: DeadLetter
    try {
      envelope = await serde.deserialize(record.topic, record.value, record.headers)
    } catch (error) {
      throw new OpsError(
        OPS_ERROR_CODES.INVALID_DEAD_LETTER,
        `${where} is not a dead-letter envelope: ${(error as Error).message}`,
        {
          cause: error,
          context: { topic: record.topic, partition: record.partition, offset: record.offset },
        },
      )
    }
    const replayOf = envelope.headers[DEAD_LETTER_REPLAY_HEADER]?.toString('utf8')
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      envelope,
      application: envelope.application,
      stage: envelope.stage,
      errorCode: envelope.errorCode,
      sourceTopic: envelope.sourceTopic,
      retriable: envelope.retriable,
      replayed: replayOf !== undefined,
      ...(replayOf === undefined ? {} : { replayOf }),
    }
  }
}

/** The position of a dead letter as the replay header and the CLI write it. */
export function positionOf(d: { topic: string; partition: number; offset: string }): string {
  return `${d.topic}:${d.partition}:${d.offset}`
}

// Printable UTF-8 without control characters other than tab and newlines.
function readableUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(bytes)) return undefined
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text
}

/** Bytes as an operator reads them: length, hex, the text when it is text, and a Confluent frame's schema id. */
export function describeBytes(bytes: Buffer | null): string[] {
  if (bytes === null) return ['(null)']
  const lines = [`${bytes.length} bytes`]
  if (bytes.length >= 5 && bytes[0] === 0)
    lines[0] += `, Confluent framing, schema id ${bytes.readUInt32BE(1)}`
  lines.push(`hex  ${bytes.toString('hex')}`)
  const text = readableUtf8(bytes)
  if (text !== undefined) lines.push(`utf8 ${JSON.stringify(text)}`)
  return lines
}

/** A dead letter in full, for `dead-letters show`. */
export function formatDeadLetter(d: DecodedDeadLetter, key: Buffer | null): string[] {
  const e = d.envelope
  const field = (name: string, values: string[]): string[] =>
    values.map((v, i) => `${(i === 0 ? name : '').padEnd(12)} ${v}`)
  return [
    `dead letter ${positionOf(d)}${key === null ? '' : ` (key ${key.toString('utf8')})`}`,
    ...field('id', [e.deadLetterId]),
    ...field('application', [e.application]),
    ...field('stage', [e.stage]),
    ...field('source', [
      `${e.sourceTopic} partition ${e.sourcePartition} offset ${e.sourceOffset}, timestamp ${new Date(e.sourceTimestamp).toISOString()}`,
    ]),
    ...field('failed at', [new Date(e.failedAt).toISOString()]),
    ...field('reason', [
      `${e.errorCode} (${e.retriable ? 'retriable' : 'not retriable'}): ${e.errorMessage}`,
    ]),
    ...(d.replayOf === undefined
      ? []
      : field('replay of', [`${d.replayOf}: this failure is of a replayed record`])),
    ...field('key', describeBytes(e.key)),
    ...field('value', describeBytes(e.value)),
    ...(Object.keys(e.headers).length === 0
      ? field('headers', ['(none)'])
      : Object.entries(e.headers)
          .sort(([a], [b]) => a.localeCompare(b))
          .flatMap(([name, value]) =>
            field(`header`, [`${name}: ${describeBytes(value).slice(1).join(' | ') || '(empty)'}`]),
          )),
  ]
}
