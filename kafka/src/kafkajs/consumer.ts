import type { Admin, Consumer, Kafka } from 'kafkajs'
import {
  tpKey,
  type BackendConsumer,
  type ConsumerHandlers,
  type PartitionOffset,
  type TopicPartition,
} from '../types.ts'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { HEARTBEAT_INTERVAL_MS, heartbeatWhile } from '../heartbeat.ts'
import { askAgain, brokerError } from './broker-errors.ts'
import { FetchedEnds } from './fetched-ends.ts'
import { partitionsOf, toBrokerRecords } from './records.ts'

/** A member's place in its group, which its transactional offsets carry (KIP-447). */
export interface GroupMember {
  readonly generationId: number
  readonly memberId: string
}

export interface KafkaJsConsumerSettings {
  readonly groupId: string
  readonly readCommitted: boolean
  readonly sessionTimeoutMs: number
  /** Default HEARTBEAT_INTERVAL_MS. */
  readonly heartbeatIntervalMs?: number
  /** Told the member's generation and id at each join, and undefined once it stops. */
  readonly onMember?: (member: GroupMember | undefined) => void
}

/** The longest a kafkajs member waits between retries, and before restarting after giving up. */
export const CONSUMER_MAX_RETRY_MS = 1_000
/** How many times a kafkajs member retries before it gives up and restarts: about 90 s at 1 s. */
export const CONSUMER_RETRIES = 100

/**
 * A group member on kafkajs. kafkajs has no awaited rebalance callbacks, so revocation runs when it
 * announces a rebalance (all partitions, as the eager protocol takes them all back) and assignment when
 * it has joined; batches wait until the assignment's restore is done.
 */
export class KafkaJsConsumer implements BackendConsumer {
  private readonly consumer: Consumer
  private current: TopicPartition[] = []
  private revoking: Promise<void> = Promise.resolve()
  private assigning: Promise<void> = Promise.resolve()
  private handlers: ConsumerHandlers | undefined
  private stopped = false
  /** Reads the group's committed offsets; connected on first use, closed with the consumer. */
  private admin: Promise<Admin> | undefined
  /** When a fetch was last answered (or a batch last ended), and how many batches are being worked on. */
  private answeredAt = Date.now()
  private inBatch = 0
  /** Since when a rebalance kafkajs announced has not ended in a join: the member consumes nothing. */
  private rebalancingSince: number | undefined
  /**
   * kafkajs runs the group anew after a crash it retries (patched to rejoin as the member it was when
   * it could not leave). Heartbeats still asked through a batch of the old run (a stream thread's pacer,
   * a pending batch's timer) speak for the old run's member and generation: they could keep a member
   * nobody reads for in the group, and a rebalance could wait up to its timeout for that member.
   * Counting runs lets a batch's heartbeat go quiet once its run is over.
   */
  private runs = 0
  private readonly fetches: FetchedEnds

  private readonly groupId: string
  private readonly heartbeatIntervalMs: number
  private readonly onMember: (member: GroupMember | undefined) => void

  constructor(
    private readonly kafka: Kafka,
    settings: KafkaJsConsumerSettings,
  ) {
    const { groupId, readCommitted, sessionTimeoutMs } = settings
    const heartbeatIntervalMs = settings.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS
    this.groupId = groupId
    this.heartbeatIntervalMs = heartbeatIntervalMs
    this.onMember = settings.onMember ?? (() => {})
    this.fetches = new FetchedEnds(readCommitted)
    this.consumer = kafka.consumer({
      groupId,
      readUncommitted: !readCommitted,
      allowAutoTopicCreation: false,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: 100,
      // Java's consumer keeps its member through a broker outage and backs off at most 1 s between
      // tries (retry.backoff.max.ms, reconnect.backoff.max.ms). kafkajs' fetch loop retries with the
      // client's backoff, doubling from 25 ms up to 30 s, and after 10 retries restarts the consumer as
      // a new member (after the last backoff): a member could wait up to 30 s after the broker came
      // back. Retries at most 1 s apart for about 90 s keep the member through shorter outages.
      retry: { retries: CONSUMER_RETRIES, maxRetryTime: CONSUMER_MAX_RETRY_MS },
    })
  }

  async run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers
    this.answeredAt = Date.now()
    // kafkajs fetches every maxWaitTimeInMs (100 ms) while idle; each answered fetch says so.
    this.consumer.on(this.consumer.events.FETCH, () => {
      this.answeredAt = Date.now()
    })
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.rebalancingSince ??= Date.now()
      const taken = this.current
      this.current = []
      this.fetches.clear()
      if (taken.length > 0)
        this.revoking = this.revoking.then(() => handlers.onRevoked(taken)).catch(() => {})
    })
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.rebalancingSince = undefined
      if (!this.stopped) this.onMember({ generationId: payload.generationId, memberId: payload.memberId })
      const next = partitionsOf(payload.memberAssignment)
      const nextKeys = new Set(next.map((p) => tpKey(p.topic, p.partition)))
      const currentKeys = new Set(this.current.map((p) => tpKey(p.topic, p.partition)))
      const revoked = this.current.filter((p) => !nextKeys.has(tpKey(p.topic, p.partition)))
      const added = next.filter((p) => !currentKeys.has(tpKey(p.topic, p.partition)))
      this.current = next
      this.fetches.clear()
      const revoking = this.revoking
      // Called on every join, even one that adds nothing: kafkajs resolves each partition's position
      // from the group's committed offsets as it joins, possibly before the revocation's commit above
      // landed (or, after it timed out of the group, behind what this member had processed), so the
      // application places every position again.
      this.assigning = revoking
        .then(async () => {
          if (revoked.length > 0) await handlers.onRevoked(revoked)
          await handlers.onAssigned(added, next)
        })
        .catch(() => {})
    })
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.runs++
      if (this.stopped) {
        // kafkajs schedules its restart right after this event, even when stop() came while it was
        // crashing (a broker outage): that consumer would come back as a group member nobody reads
        // from, holding its partitions from the next one for good. Stopping again cancels the restart.
        if (payload.restart) setImmediate(() => void this.consumer.disconnect().catch(() => {}))
        return
      }
      // kafkajs restarts itself after a retriable error; after any other it has stopped for good.
      if (!payload.restart) handlers.onFailed?.(brokerError('consuming', payload.error))
    })
    try {
      await this.consumer.connect()
      await this.consumer.subscribe({ topics: [...topics], fromBeginning: true })
    } catch (error) {
      throw brokerError(`joining group ${this.groupId}`, error)
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      // Patched into kafkajs: a fetch with nothing to hand over (no records, or only markers and
      // aborted ones) still says where the member is and where the partition ends.
      onFetchedNothing: (batch) => {
        if (!this.current.some((p) => p.topic === batch.topic && p.partition === batch.partition)) return
        // Only markers (or aborted records): past them, as kafkajs resolves. No records at all: where it
        // fetched from (kafkajs' lastOffset() is then the high watermark's, not the member's).
        const position = batch.isEmptyIncludingFiltered()
          ? batch.fetchedOffset
          : String(BigInt(batch.lastOffset()) + 1n)
        this.fetches.fetched(batch, position)
      },
      // kafkajs heartbeats only between batches: while the application works on one (or the batch waits
      // for the assignment's restore), a timer asks, as Kafka's consumer heartbeats from its own thread.
      // A failed heartbeat is met again by kafkajs' own after the batch, which rejoins or restarts.
      eachBatch: async (payload) => {
        this.inBatch++
        const run = this.runs
        const heartbeat = (): Promise<void> =>
          run === this.runs && !this.stopped ? payload.heartbeat() : Promise.resolve()
        try {
          await heartbeatWhile(
            async () => {
              await this.assigning
              const { topic, partition } = payload.batch
              if (
                !this.current.some((p) => p.topic === topic && p.partition === partition) ||
                payload.isStale()
              )
                return
              // kafkajs keeps the markers it filtered out in the batch's last offset.
              const nextOffset = BigInt(payload.batch.lastOffset()) + 1n
              await handlers.eachBatch({
                topic,
                partition,
                records: toBrokerRecords(payload),
                nextOffset: String(nextOffset),
                caughtUp: this.fetches.fetched(payload.batch, String(nextOffset)),
                heartbeat,
                heartbeatIntervalMs: this.heartbeatIntervalMs,
              })
            },
            heartbeat,
            this.heartbeatIntervalMs,
            () => {},
          )
        } finally {
          this.inBatch--
          this.answeredAt = Date.now()
        }
      },
    })
  }

  unansweredFetchMs(now: number = Date.now()): number {
    if (this.handlers === undefined || this.stopped || this.inBatch > 0) return 0
    // While a rebalance has not ended in a join, an answered fetch delivers nothing the application
    // takes (its partitions were revoked): only the join counts.
    const since = this.rebalancingSince ?? this.answeredAt
    return Math.max(0, now - since)
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
      )
    } catch (error) {
      throw brokerError('committing offsets', error)
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, string | undefined>> {
    // A running member keeps one admin client until it stops; a consumer used only to read its group's
    // offsets (it never runs, so nothing would close it) connects one for the call.
    const connect = async (): Promise<Admin> => {
      const admin = this.kafka.admin()
      try {
        await admin.connect()
      } catch (error) {
        // A raw kafkajs error here (the broker away) would reach the application untyped, which took
        // "Connection error: connect ECONNREFUSED" for a processing error and failed for good.
        throw brokerError(`connecting to read the committed offsets of ${this.groupId}`, error)
      }
      return admin
    }
    const transient = this.handlers === undefined || this.stopped
    const admin = transient
      ? await connect()
      : await (this.admin ??= connect().catch((error: unknown) => {
          this.admin = undefined
          throw error
        }))
    try {
      const topics = [...new Set(partitions.map((p) => p.topic))]
      const result = new Map<string, string | undefined>()
      const offsets = await askAgain(`reading the committed offsets of ${this.groupId}`, () =>
        admin.fetchOffsets({ groupId: this.groupId, topics }),
      )
      for (const entry of offsets) {
        for (const p of entry.partitions)
          result.set(tpKey(entry.topic, p.partition), Number(p.offset) >= 0 ? p.offset : undefined)
      }
      return result
    } finally {
      if (transient) await admin.disconnect()
    }
  }

  seek(partition: PartitionOffset): void {
    this.fetches.forget(partition.topic, partition.partition)
    try {
      this.consumer.seek({ topic: partition.topic, partition: partition.partition, offset: partition.offset })
    } catch (error) {
      // kafkajs refuses a seek between a crash of its consumer (a broker outage) and the restart it has
      // scheduled ("Consumer group was not initialized"): the position is placed again once it rejoined.
      const where = `seeking ${partition.topic}-${partition.partition} to ${partition.offset}`
      if (!this.stopped && /Consumer group was not initialized/.test((error as Error).message))
        throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `${where}: the consumer is restarting after a crash`, {
          cause: error,
          retriable: true,
        })
      throw brokerError(where, error)
    }
  }

  fetchPositions(partitions: readonly TopicPartition[]): Map<string, string> {
    return this.fetches.positions(partitions)
  }

  fetchedEnds(partitions: readonly TopicPartition[]): Map<string, string> {
    return this.fetches.ends(partitions)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.onMember(undefined)
    await this.assigning
    const taken = this.current
    this.current = []
    if (taken.length > 0 && this.handlers !== undefined) await this.handlers.onRevoked(taken).catch(() => {})
    await this.consumer.disconnect()
    const admin = this.admin
    this.admin = undefined
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect()
  }
}
