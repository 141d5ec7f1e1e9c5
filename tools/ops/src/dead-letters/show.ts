import { tpKey, type BrokerRecord, type ClusterAdmin, type KafkaBackend } from '@oxagry/kafka'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import type { DeadLetterDecoder } from './envelope.ts'
import { formatDeadLetter } from './envelope.ts'
import { scan, topicRange } from './scan.ts'

/** Reads the record at a position of a dead-letter topic and describes it in full. */
export async function showDeadLetter(
  admin: ClusterAdmin,
  backend: KafkaBackend,
  decode: DeadLetterDecoder,
  at: { topic: string; partition: number; offset: string },
): Promise<string[]> {
  const { topic, partition, offset } = at
  const range = await topicRange(admin, topic)
  const low = range.low.get(partition)
  const high = range.high.get(partition)
  const notFound = (why: string): OpsError =>
    new OpsError(OPS_ERROR_CODES.NOT_FOUND, `${topic}:${partition}:${offset}: ${why}`, {
      context: { topic, partition, offset },
    })
  if (low === undefined || high === undefined) throw notFound(`${topic} has no partition ${partition}`)
  if (BigInt(offset) < BigInt(low) || BigInt(offset) >= BigInt(high))
    throw notFound(`partition ${partition} holds offsets ${low} to ${BigInt(high) - 1n}`)
  let found: BrokerRecord | undefined
  await scan(
    backend,
    [{ topic, partition, offset }],
    new Map([[tpKey(topic, partition), (BigInt(offset) + 1n).toString()]]),
    async (records) => {
      found ??= records.find((r) => r.offset === offset)
    },
  )
  if (found === undefined) throw notFound('no record there (a transaction marker, or removed by compaction)')
  return formatDeadLetter(await decode(found), found.key)
}
