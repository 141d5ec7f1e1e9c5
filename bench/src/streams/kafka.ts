import { randomUUID } from 'node:crypto'
import { KafkaJsBackend } from '@oxagry/kafka'
import { Kafka, logLevel, type Admin, type Consumer, type Message, type Producer } from 'kafkajs'
import type { LatencyTracker } from './latency.ts'

export function benchKafka(brokers: readonly string[], clientId = 'oxagry-bench'): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING })
}

export interface TopicConfig {
  readonly name: string
  readonly partitions: number
  readonly config?: Readonly<Record<string, string>>
}

/**
 * Creates a run's topics through the platform's client, which returns once the broker's metadata gives
 * every partition a leader, asking again while it answers "not yet". kafkajs' own `waitForLeaders` asks
 * again only on LEADER_NOT_AVAILABLE: a KRaft broker whose metadata had not caught up with its
 * controller answered UNKNOWN_TOPIC_OR_PARTITION, and the benchmark stopped right after creating them.
 */
export async function createTopics(
  brokers: readonly string[],
  topics: readonly TopicConfig[],
): Promise<void> {
  const backend = new KafkaJsBackend({ brokers: [...brokers], clientId: 'oxagry-bench-topics' })
  try {
    const admin = await backend.admin()
    await admin.createTopics(
      topics.map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: 1,
        config: t.config ?? {},
      })),
    )
  } finally {
    await backend.close()
  }
}

/** Deletes every topic (the inputs, outputs and the systems' internal topics) of one run. */
export async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<string[]> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix))
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 })
  return topics
}

/** Sends messages in chunks, a few requests in flight, acknowledged by all replicas. */
export async function preload(
  producer: Producer,
  topic: string,
  messages: readonly Message[],
): Promise<void> {
  const chunk = 2000
  const inFlight = 4
  const sends: Promise<unknown>[] = []
  for (let i = 0; i < messages.length; i += chunk) {
    sends.push(producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) }))
    if (sends.length >= inFlight) await sends.shift()
  }
  await Promise.all(sends)
}

/**
 * Sends `total` messages at `perSecond`, each stamped with the wall clock when it is made (its record
 * timestamp, and whatever `make` puts in it), in small bursts every few milliseconds.
 */
export async function pacedProduce(
  producer: Producer,
  topic: string,
  total: number,
  perSecond: number,
  make: (index: number, now: number) => Message,
): Promise<void> {
  const started = Date.now()
  const sends: Promise<unknown>[] = []
  let sent = 0
  while (sent < total) {
    const now = Date.now()
    const due = Math.min(total, Math.floor(((now - started) * perSecond) / 1000))
    if (due > sent) {
      const messages: Message[] = []
      for (; sent < due; sent++) messages.push(make(sent, now))
      sends.push(producer.send({ topic, acks: -1, messages }))
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await Promise.all(sends)
}

/**
 * The throughput phase as the watcher saw it: from the first output the system wrote (its LogAppendTime:
 * the system's start-up is left out) to the moment the last expected output was readable by a
 * read_committed consumer (so exactly-once runs include their last commit).
 */
export interface ThroughputWindow {
  readonly firstAt: number
  readonly doneAt: number
}

/**
 * Reads a system's output topic from the start (read_committed, a fresh group) while it runs: counts the
 * outputs of the throughput phase and hands those of the latency phase to a tracker. Cheap per record
 * (no decoding in the throughput phase): it shares the two cores with the system under test.
 */
export class OutputWatcher {
  private count = 0
  private expected = Number.POSITIVE_INFINITY
  private firstAt: number | undefined
  private doneAt: number | undefined
  private tracker: LatencyTracker | undefined
  private wake: () => void = () => {}
  /** Called once, when the first throughput-phase output arrives. */
  onFirstOutput: () => void = () => {}

  private constructor(
    private readonly consumer: Consumer,
    private readonly isLatencyKey: (key: Buffer | null) => boolean,
  ) {}

  static async start(
    kafka: Kafka,
    topic: string,
    isLatencyKey: (key: Buffer | null) => boolean,
  ): Promise<OutputWatcher> {
    const consumer = kafka.consumer({
      groupId: `bench-watcher-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 20,
      sessionTimeout: 30_000,
    })
    const watcher = new OutputWatcher(consumer, isLatencyKey)
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => watcher.onBatch(batch.messages),
    })
    await joined
    return watcher
  }

  private onBatch(
    messages: readonly { key: Buffer | null; value: Buffer | null; timestamp: string }[],
  ): void {
    const receivedAt = Date.now()
    for (const m of messages) {
      if (this.isLatencyKey(m.key)) {
        this.tracker?.onOutput(m.key, m.value, Number(m.timestamp), receivedAt)
      } else {
        const appended = Number(m.timestamp)
        if (this.firstAt === undefined) this.onFirstOutput()
        if (this.firstAt === undefined || appended < this.firstAt) this.firstAt = appended
        this.count++
      }
    }
    if (this.count >= this.expected) this.doneAt ??= receivedAt
    this.wake()
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000))
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /** Waits until `expected` throughput-phase outputs arrived. */
  async throughput(expected: number, timeoutMs: number): Promise<ThroughputWindow> {
    this.expected = expected
    if (this.count >= expected) this.doneAt ??= Date.now()
    await this.until(() => this.doneAt !== undefined, timeoutMs, `${expected} outputs (saw ${this.count})`)
    return { firstAt: this.firstAt as number, doneAt: this.doneAt as number }
  }

  /** Routes latency-phase outputs to the tracker from now on. */
  track(tracker: LatencyTracker): void {
    this.tracker = tracker
  }

  async latency(tracker: LatencyTracker, timeoutMs: number): Promise<void> {
    await this.until(() => tracker.pending <= 0, timeoutMs, `latency outputs (${tracker.pending} missing)`)
  }

  get seen(): number {
    return this.count
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect()
  }
}
