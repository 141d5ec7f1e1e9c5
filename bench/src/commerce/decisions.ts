import { Contracts, ConfluentSchemaRegistry, createAvroSerde, type OrderStatus } from '@oxagry/avro'
import { KafkaJsBackend, type Following, type KafkaBackend } from '@oxagry/kafka'
import { commerceTopicNames } from '@oxagry/main/commerce'
import { followTopic } from './follow.ts'

/**
 * When each order's decision (CONFIRMED or CANCELLED) became readable on its status topic, read_committed,
 * on this process's `performance.now()` clock: the part of a REST client's wait that is the stream
 * processors', before the view the API reads has it.
 */
export class DecisionFollower {
  /** orderId → performance.now() when its first decided status was read. */
  readonly decided = new Map<string, number>()

  private constructor(
    private readonly backend: KafkaBackend,
    private following: Following | undefined,
  ) {}

  /** Follows the status topic of the platform whose topics are under `prefix`, from its start. */
  static async start(stack: { brokers: readonly string[]; registryUrl: string }, prefix: string) {
    const topic = commerceTopicNames((spec) => `${prefix}.${spec.name}`).orderStatus
    const backend = new KafkaJsBackend({ brokers: [...stack.brokers], clientId: `${prefix}-decisions` })
    const serde = await createAvroSerde({
      registry: new ConfluentSchemaRegistry({ url: stack.registryUrl }),
      contract: Contracts.OrderStatus,
    })
    const follower = new DecisionFollower(backend, undefined)
    follower.following = await followTopic(backend, topic, `${prefix}-decisions`, async (records) => {
      const now = performance.now()
      for (const r of records) {
        if (r.value === null) continue
        const s: OrderStatus = await serde.deserialize(topic, r.value, r.headers)
        if ((s.state === 'CONFIRMED' || s.state === 'CANCELLED') && !follower.decided.has(s.orderId))
          follower.decided.set(s.orderId, now)
      }
    })
    return follower
  }

  async stop(): Promise<void> {
    await this.following?.stop().catch(() => {})
    await this.backend.close()
  }
}
