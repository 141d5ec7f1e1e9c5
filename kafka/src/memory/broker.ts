import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { partitionForKey } from '../murmur2.ts'
import { cleanupPolicy, PartitionLog, type CleanupPolicy, type Transaction } from './partition-log.ts'
import {
  tpKey,
  type BrokerRecord,
  type PartitionOffset,
  type ProducedRecord,
  type TopicPartition,
  type TopicSpec,
} from '../types.ts'

export interface GroupMember {
  readonly id: string
  readonly topics: readonly string[]
  assignment: TopicPartition[]
  revoke(partitions: readonly TopicPartition[]): Promise<void>
  assign(partitions: readonly TopicPartition[]): Promise<void>
}

class Group {
  readonly members = new Map<string, GroupMember>()
  readonly offsets = new Map<string, string>()
  generation = 0
  rebalancing: Promise<void> = Promise.resolve()
}

export interface MemoryBrokerOptions {
  /**
   * The longest a delete-policy topic keeps records, whatever its `retention.ms`: memory is not disk,
   * and the embedded platform keeps history in its stores. Unset: the topic's own retention.
   */
  readonly maxRetentionMs?: number
  /** The clock retention is measured against (tests move it). */
  readonly now?: () => number
}

/**
 * An in-process Kafka for the embedded mode and fast tests: topics with partitions and offsets,
 * consumer groups with eager rebalances whose revoke and assign callbacks are awaited, committed
 * offsets, transactions (read_committed hides open and aborted ones; a new producer with the same
 * transactional id fences the old one and aborts its open transaction), and cleanup by the topics'
 * configs (retention under `delete`, compaction under `compact`), so it holds what a broker would.
 */
export class MemoryBroker {
  private readonly topics = new Map<string, { partitions: PartitionLog[]; policy: CleanupPolicy }>()
  private readonly now: () => number

  constructor(private readonly options: MemoryBrokerOptions = {}) {
    this.now = options.now ?? Date.now
  }
  private readonly groups = new Map<string, Group>()
  private readonly epochs = new Map<string, number>()
  private readonly openTxns = new Map<string, Transaction>()
  private waiters: (() => void)[] = []
  private roundRobin = 0

  createTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) return
    if (!(spec.partitions >= 1))
      throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `topic ${spec.name} needs at least one partition`)
    this.topics.set(spec.name, {
      partitions: Array.from({ length: spec.partitions }, () => new PartitionLog()),
      policy: cleanupPolicy(spec.config, this.options.maxRetentionMs),
    })
  }

  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length
  }

  topicNames(): string[] {
    return [...this.topics.keys()]
  }

  private log(topic: string, partition: number): PartitionLog {
    const log = this.topics.get(topic)?.partitions[partition]
    if (log === undefined) {
      throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `unknown topic or partition ${topic}[${partition}]`)
    }
    return log
  }

  endOffset(topic: string, partition: number, readCommitted = false): number {
    const log = this.log(topic, partition)
    return readCommitted ? log.lastStable() : log.next
  }

  /** The first offset a partition still holds (above 0 once retention deleted records). */
  startOffset(topic: string, partition: number): number {
    return this.log(topic, partition).start
  }

  /** Records held in a partition now, after cleanup. */
  heldRecords(topic: string, partition: number): number {
    return this.log(topic, partition).entries.length
  }

  /** Appends records; inside a transaction they stay invisible to read_committed readers until it commits. */
  append(records: readonly ProducedRecord[], txn?: Transaction): void {
    const now = this.now()
    for (const record of records) {
      const count = this.partitionCount(record.topic)
      if (count === undefined) throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `unknown topic ${record.topic}`)
      const partition =
        record.partition ??
        (record.key === null ? this.roundRobin++ % count : partitionForKey(record.key, count))
      const log = this.log(record.topic, partition)
      log.append({
        appendedAt: now,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        headers: record.headers,
        ...(txn === undefined ? {} : { txn }),
      })
    }
    this.cleanIfDue()
    this.wake()
  }

  /** Cleans the partitions that are due, by their topic's policy. */
  private cleanIfDue(): void {
    const now = this.now()
    for (const { partitions, policy } of this.topics.values()) {
      if (!policy.compact && !(policy.delete && policy.retentionMs >= 0)) continue
      for (const log of partitions) if (log.cleaningDue(now)) log.clean(policy, now)
    }
  }

  /** Cleans every partition now (tests; the broker cleans on its own as records arrive). */
  clean(): void {
    const now = this.now()
    for (const { partitions, policy } of this.topics.values())
      for (const log of partitions) log.clean(policy, now)
  }

  /** Records from the offset on, at most `max`, as a reader of the isolation level sees them. */
  fetch(
    topic: string,
    partition: number,
    from: number,
    max: number,
    readCommitted: boolean,
  ): { records: BrokerRecord[]; next: number; caughtUp: boolean } {
    const log = this.log(topic, partition)
    const end = readCommitted ? log.lastStable() : log.next
    const records: BrokerRecord[] = []
    // A position below the log start reads from the start, as a consumer reset to earliest does.
    let at = Math.max(from, log.start)
    for (let i = log.indexOf(at); i < log.entries.length && records.length < max; i++) {
      const entry = log.entries[i]
      if (entry === undefined || entry.offset >= end) break
      at = entry.offset + 1
      if (readCommitted && entry.txn?.state === 'aborted') continue
      records.push({
        topic,
        partition,
        offset: String(entry.offset),
        key: entry.key,
        value: entry.value,
        timestamp: entry.timestamp,
        headers: entry.headers,
      })
    }
    // Past a compacted gap or aborted records, the position moves on to where reading stopped.
    if (records.length < max) at = Math.max(at, Math.min(end, log.next))
    return { records, next: at, caughtUp: at >= end }
  }

  /** Resolves when something is appended or a transaction ends, or after the timeout. */
  waitForData(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      const waiters = this.waiters
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      waiters.push(done)
    })
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Registers a transactional producer: bumps the epoch, fencing and aborting any older one. */
  initTransactions(transactionalId: string): number {
    const epoch = (this.epochs.get(transactionalId) ?? 0) + 1
    this.epochs.set(transactionalId, epoch)
    const open = this.openTxns.get(transactionalId)
    if (open !== undefined) {
      open.state = 'aborted'
      this.openTxns.delete(transactionalId)
      this.wake()
    }
    return epoch
  }

  checkEpoch(transactionalId: string, epoch: number): void {
    if (this.epochs.get(transactionalId) !== epoch) {
      throw new KafkaError(
        KAFKA_ERROR_CODES.FENCED,
        `producer ${transactionalId} (epoch ${epoch}) was fenced by a newer instance with the same transactional id`,
      )
    }
  }

  beginTransaction(transactionalId: string, epoch: number): Transaction {
    this.checkEpoch(transactionalId, epoch)
    const txn: Transaction = { state: 'open' }
    this.openTxns.set(transactionalId, txn)
    return txn
  }

  endTransaction(
    transactionalId: string,
    epoch: number,
    txn: Transaction,
    commit: boolean,
    offsets: Map<string, PartitionOffset[]>,
  ): void {
    this.checkEpoch(transactionalId, epoch)
    txn.state = commit ? 'committed' : 'aborted'
    this.openTxns.delete(transactionalId)
    if (commit) for (const [groupId, list] of offsets) this.commitOffsets(groupId, list)
    this.wake()
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId)
    if (group === undefined) {
      group = new Group()
      this.groups.set(groupId, group)
    }
    return group
  }

  commitOffsets(groupId: string, offsets: readonly PartitionOffset[]): void {
    const group = this.group(groupId)
    for (const o of offsets) group.offsets.set(tpKey(o.topic, o.partition), o.offset)
  }

  committed(groupId: string, partition: TopicPartition): string | undefined {
    return this.groups.get(groupId)?.offsets.get(tpKey(partition.topic, partition.partition))
  }

  async join(groupId: string, member: GroupMember): Promise<void> {
    const group = this.group(groupId)
    group.members.set(member.id, member)
    await this.rebalance(group)
  }

  async leave(groupId: string, memberId: string): Promise<void> {
    const group = this.groups.get(groupId)
    const member = group?.members.get(memberId)
    if (group === undefined || member === undefined) return
    await group.rebalancing
    await member.revoke(member.assignment)
    member.assignment = []
    group.members.delete(memberId)
    await this.rebalance(group)
  }

  /** Eager rebalance: every member gives up its partitions, then partitions are dealt round-robin. */
  private async rebalance(group: Group): Promise<void> {
    const run = group.rebalancing.then(async () => {
      group.generation++
      const members = [...group.members.values()].sort((a, b) => a.id.localeCompare(b.id))
      await Promise.all(members.map((m) => m.revoke(m.assignment)))
      const next = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]))
      const topics = [...new Set(members.flatMap((m) => m.topics))].sort()
      // Partition p of every topic goes to the same member, so co-partitioned inputs meet in one task.
      const maxPartitions = Math.max(0, ...topics.map((t) => this.partitionCount(t) ?? 0))
      for (let p = 0; p < maxPartitions; p++) {
        const eligible = members
        if (eligible.length === 0) break
        const owner = eligible[p % eligible.length]
        if (owner === undefined) continue
        for (const topic of topics) {
          if (p < (this.partitionCount(topic) ?? 0) && owner.topics.includes(topic))
            next.get(owner.id)?.push({ topic, partition: p })
        }
      }
      for (const m of members) m.assignment = next.get(m.id) ?? []
      await Promise.all(members.map((m) => m.assign(m.assignment)))
    })
    group.rebalancing = run.catch(() => {})
    await run
  }
}
