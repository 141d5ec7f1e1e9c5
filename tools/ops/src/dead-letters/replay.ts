import { createHash } from 'node:crypto'
import {
  tpKey,
  type BackendProducer,
  type BrokerRecord,
  type ClusterAdmin,
  type KafkaBackend,
  type PartitionOffset,
  type ProducedRecord,
} from '@oxagry/kafka'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import { describeFilter, matches, type DeadLetterFilter } from '../filter.ts'
import { positionOf, type DeadLetterDecoder, type DecodedDeadLetter } from './envelope.ts'
import { scan, topicRange } from './scan.ts'

export interface ReplayOptions {
  readonly admin: ClusterAdmin
  readonly backend: KafkaBackend
  readonly decode: DeadLetterDecoder
  readonly topic: string
  readonly filter: DeadLetterFilter
  /** The group keeping the replay's progress; defaults to {@link defaultReplayGroup}. */
  readonly group?: string
  /** Dead letters per transaction. */
  readonly batchSize: number
  readonly dryRun: boolean
  readonly log: (line: string) => void
}

export interface ReplayReport {
  readonly group: string
  /** Where this run started on each partition of the dead-letter topic. */
  readonly from: readonly PartitionOffset[]
  /** Dead letters produced back to their source topic by this run (would be, in a dry run). */
  readonly replayed: number
  /** Dead letters passed over by the filter (their position is committed too). */
  readonly skipped: number
}

/**
 * The replay's group: one per dead-letter topic and filter, so running the same command again resumes
 * it, and a replay of another selection keeps its own progress.
 */
export function defaultReplayGroup(topic: string, filter: DeadLetterFilter): string {
  const base = `oxagry-ops-replay.${topic}`
  if (filter.size === 0) return base
  return `${base}.${createHash('sha256').update(describeFilter(filter)).digest('hex').slice(0, 12)}`
}

/**
 * The original record of a dead letter, back on its source topic: its key, value and headers as they
 * were, its timestamp (windows and joins see it when they first did), the partition it was read from
 * when the topic still has it (else the key's), and the replay header naming the dead letter.
 */
export function replayedRecord(d: DecodedDeadLetter, sourcePartitions: number | undefined): ProducedRecord {
  const e = d.envelope
  const partition =
    sourcePartitions !== undefined && e.sourcePartition < sourcePartitions
      ? { partition: e.sourcePartition }
      : {}
  return {
    topic: e.sourceTopic,
    ...partition,
    key: e.key,
    value: e.value,
    timestamp: e.sourceTimestamp,
    headers: { ...e.headers, [DEAD_LETTER_REPLAY_HEADER]: Buffer.from(positionOf(d)) },
  }
}

/** Where the replay resumes on each partition: its committed offset, else the partition's first. */
function startOffsets(
  topic: string,
  low: ReadonlyMap<number, string>,
  committed: readonly PartitionOffset[],
): PartitionOffset[] {
  const done = new Map(committed.filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]))
  return [...low]
    .sort(([a], [b]) => a - b)
    .map(([partition, first]) => {
      const at = done.get(partition)
      const offset = at !== undefined && BigInt(at) > BigInt(first) ? at : first
      return { topic, partition, offset }
    })
}

/**
 * Produces every matching dead letter's original record back to its source topic, each once: a batch's
 * records and the group's offset past them commit in one transaction, so an interrupted replay run again
 * resumes after the last committed batch and a batch cut short is aborted (its records never become
 * visible to read_committed readers) and replayed whole.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const { admin, backend, decode, topic, filter, batchSize, dryRun, log } = options
  const group = options.group ?? defaultReplayGroup(topic, filter)
  const range = await topicRange(admin, topic)
  // The transactional producer is made first: it fences a replay of the same group still running
  // elsewhere and aborts what an interrupted one left open, so the offsets read next are final.
  const producer = dryRun
    ? undefined
    : await backend.producer({ clientId: 'oxagry-ops-replay', transactionalId: `${group}.tx` })
  try {
    const from = startOffsets(topic, range.low, await admin.groupOffsets(group))
    const until = new Map([...range.high].map(([p, o]) => [tpKey(topic, p), o]))
    const pending = from.reduce(
      (n, p) =>
        n + Math.max(0, Number(BigInt(until.get(tpKey(topic, p.partition)) ?? '0') - BigInt(p.offset))),
      0,
    )
    log(
      `replaying ${topic} (group ${group}, filter ${describeFilter(filter)}): ` +
        `${pending === 0 ? 'nothing left' : `up to ${pending} record(s) left`} from ${from.map((p) => `${p.partition}:${p.offset}`).join(', ')}`,
    )
    const partitionCounts = new Map<string, number | undefined>()
    const sourcePartitions = async (source: string): Promise<number | undefined> => {
      if (!partitionCounts.has(source)) {
        const admin = await backend.admin()
        try {
          partitionCounts.set(source, (await admin.partitionCounts([source])).get(source))
        } finally {
          await admin.close()
        }
      }
      const n = partitionCounts.get(source)
      if (n === undefined)
        throw new OpsError(
          OPS_ERROR_CODES.NOT_FOUND,
          `source topic ${source} does not exist: create it, then replay again`,
          {
            context: { topic: source },
          },
        )
      return n
    }
    let replayed = 0
    let skipped = 0
    const replayBatch = async (records: readonly BrokerRecord[]): Promise<void> => {
      const selected: ProducedRecord[] = []
      for (const record of records) {
        const d = await decode(record)
        if (!matches(filter, d)) {
          skipped++
          continue
        }
        selected.push(replayedRecord(d, await sourcePartitions(d.sourceTopic)))
        if (dryRun)
          log(
            `would replay ${positionOf(d)} -> ${d.sourceTopic} (${d.application} ${d.stage} ${d.errorCode})`,
          )
      }
      if (producer !== undefined && records.length > 0)
        await commitBatch(producer, group, selected, nextOffsets(records))
      replayed += selected.length
    }
    await scan(backend, from, until, async (records) => {
      for (let i = 0; i < records.length; i += batchSize) await replayBatch(records.slice(i, i + batchSize))
    })
    log(
      dryRun
        ? `dry run: ${replayed} dead letter(s) would be replayed, ${skipped} passed over by the filter; nothing produced or committed`
        : `replayed ${replayed} dead letter(s), ${skipped} passed over by the filter; progress committed as group ${group}`,
    )
    return { group, from, replayed, skipped }
  } finally {
    await producer?.close()
  }
}

/** The group's position past each partition's last record of a batch. */
function nextOffsets(records: readonly BrokerRecord[]): PartitionOffset[] {
  const next = new Map<string, PartitionOffset>()
  for (const r of records) {
    const offset = (BigInt(r.offset) + 1n).toString()
    const key = tpKey(r.topic, r.partition)
    const known = next.get(key)
    if (known === undefined || BigInt(known.offset) < BigInt(offset))
      next.set(key, { topic: r.topic, partition: r.partition, offset })
  }
  return [...next.values()]
}

async function commitBatch(
  producer: BackendProducer,
  group: string,
  records: readonly ProducedRecord[],
  next: readonly PartitionOffset[],
): Promise<void> {
  await producer.beginTransaction()
  try {
    if (records.length > 0) await Promise.all([producer.send(records), producer.flush?.()])
    await producer.sendOffsets(group, next)
    await producer.commitTransaction()
  } catch (error) {
    if (producer.inTransaction) await producer.abortTransaction().catch(() => {})
    throw error
  }
}
