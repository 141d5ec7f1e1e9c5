import type { Consumer, Kafka } from 'kafkajs'

/**
 * Reads a topic from its end as records arrive and notes, per record, its timestamp and when it was
 * received. On the positions topic the timestamp is the ping's eventTime (tracking's timestamp
 * extractor takes it and outputs keep their input's), so receive time − timestamp is produced → on the
 * positions topic, without decoding a value: what tracking adds, apart from what the API's feed and the
 * WebSocket hub add after it.
 */
export class TopicProbe {
  private timestamps: number[] = []
  private latencies: number[] = []

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, groupId: string, topic: string): Promise<TopicProbe> {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20, sessionTimeout: 30_000 })
    const probe = new TopicProbe(consumer)
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: false })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const receivedAt = Date.now()
        for (const m of batch.messages) {
          const timestamp = Number(m.timestamp)
          probe.timestamps.push(timestamp)
          probe.latencies.push(receivedAt - timestamp)
        }
      },
    })
    await joined
    return probe
  }

  /** Receive time − timestamp of the records timestamped in [from, to). */
  window(from: number, to: number): number[] {
    const latencies: number[] = []
    for (let i = 0; i < this.timestamps.length; i++) {
      const t = this.timestamps[i] as number
      if (t >= from && t < to) latencies.push(this.latencies[i] as number)
    }
    return latencies
  }

  clear(): void {
    this.timestamps = []
    this.latencies = []
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect()
  }
}
