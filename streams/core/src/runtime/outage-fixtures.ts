import {
  KAFKA_ERROR_CODES,
  KafkaError,
  MemoryBackend,
  type BackendAdmin,
  type BackendConsumer,
  type ConsumerOptions,
  type BackendProducer,
  type ProducerOptions,
  type TransactionalIdScheme,
} from '@oxagry/kafka'

/**
 * A memory broker that can be taken away, for the runtime's outage tests: while `down`, every call a
 * client makes fails as kafkajs' does once its retries are spent (a retriable `OXA_KAFKA_BROKER`,
 * ECONNREFUSED), after `hangMs` (the client retrying meanwhile), and fetches return nothing. With
 * `hangUntilUp`, a call instead waits for the broker to come back and then goes through, as a send
 * the client retries across a short outage does.
 */
export class OutageBackend extends MemoryBackend {
  down = false
  hangMs = 0
  hangUntilUp = false
  /** Calls refused so far. */
  refused = 0

  constructor(topics: readonly string[], partitions: number, transactionalIds?: TransactionalIdScheme) {
    super(undefined, transactionalIds === undefined ? {} : { transactionalIds })
    for (const name of topics) this.broker.createTopic({ name, partitions, config: {} })
    const fetch = this.broker.fetch.bind(this.broker)
    this.broker.fetch = (topic, partition, offset, max, readCommitted) =>
      this.down
        ? { records: [], next: offset, caughtUp: false }
        : fetch(topic, partition, offset, max, readCommitted)
  }

  /** What a call meets now: nothing when the broker is up; else a wait, then a refusal or (hanging) the call. */
  async gate(what: string): Promise<void> {
    if (!this.down) return
    if (this.hangUntilUp) {
      while (this.down) await new Promise((resolve) => setTimeout(resolve, 5))
      return
    }
    if (this.hangMs > 0) await new Promise((resolve) => setTimeout(resolve, this.hangMs))
    this.refused++
    throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `${what}: Connection error: connect ECONNREFUSED`, {
      retriable: true,
    })
  }

  private guard<T extends object>(client: T, name: string, spare: readonly string[] = []): T {
    return new Proxy(client, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown
        if (typeof value !== 'function' || typeof key !== 'string' || spare.includes(key)) return value
        return async (...args: unknown[]) => {
          await this.gate(`${name} ${key}`)
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  }

  override async admin(): Promise<BackendAdmin> {
    await this.gate('connecting an admin client')
    return this.guard(await super.admin(), 'admin', ['close'])
  }

  override async producer(options: ProducerOptions): Promise<BackendProducer> {
    await this.gate('connecting a producer')
    return this.guard(await super.producer(options), 'producer', ['close'])
  }

  override consumer(options: ConsumerOptions): BackendConsumer {
    // The member itself (joining, fetching through the broker above) works; what it asks the broker does not.
    return this.guard(super.consumer(options), 'consumer', ['run', 'seek', 'stop'])
  }
}
