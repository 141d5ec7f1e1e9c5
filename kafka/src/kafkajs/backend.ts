import { Kafka } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaConnection } from '../connection.ts'
import type { BackendAdmin, BackendConsumer, BackendProducer, BackendReader, KafkaBackend } from '../types.ts'
import { KafkaJsAdmin } from './admin.ts'
import { brokerError } from './broker-errors.ts'
import { kafkaJsConnection, kafkaJsLogging } from './config.ts'
import { KafkaJsConsumer } from './consumer.ts'
import { KafkaJsProducer } from './producer.ts'
import { KafkaJsReader } from './reader.ts'

export interface KafkaJsBackendOptions extends KafkaConnection {
  /** The client id of clients made without one of their own (the admin); each client names its own. */
  readonly clientId?: string
  /** How long the group waits for a silent member before it rebalances its partitions away. */
  readonly sessionTimeoutMs?: number
  /** Where kafkajs' own log lines go. */
  readonly logger?: Logger
  /** Replication factor of topics created without one of their own. */
  readonly replicationFactor?: number
}

type Close = () => Promise<void>

/** Kafka through kafkajs: a client of the broker's protocol written in JavaScript, on the event loop. */
export class KafkaJsBackend implements KafkaBackend {
  readonly name = 'kafkajs'
  private readonly clients = new Map<string, Kafka>()
  /** How to close each client handed out and not closed yet, which `close()` does. */
  private readonly open = new Set<Close>()

  constructor(private readonly options: KafkaJsBackendOptions) {}

  /**
   * kafkajs takes the client id per Kafka instance, not per client: one instance per id, so the broker's
   * logs, quotas and request metrics name each client as the application named it.
   */
  private kafka(clientId: string = this.options.clientId ?? 'oxagry'): Kafka {
    let kafka = this.clients.get(clientId)
    if (kafka === undefined) {
      kafka = new Kafka({
        // kafkajs waits 300 ms before retrying CONCURRENT_TRANSACTIONS, which every exactly-once commit
        // meets when the next transaction starts: 25 ms took the benchmark's p99 from ~310 ms to ~40 ms.
        retry: { initialRetryTime: 25, retries: 10 },
        ...kafkaJsLogging(this.options.logger),
        ...kafkaJsConnection(this.options),
        clientId,
      })
      this.clients.set(clientId, kafka)
    }
    return kafka
  }

  /** Remembers a client until its owner closes it (`close()`, or `stop()` for a consumer). */
  private track<K extends 'close' | 'stop', T extends Record<K, Close>>(client: T, method: K): T {
    const close: Close = client[method].bind(client)
    const closeOnce: Close = async () => {
      this.open.delete(closeOnce)
      await close()
    }
    this.open.add(closeOnce)
    client[method] = closeOnce as T[K]
    return client
  }

  async admin(): Promise<BackendAdmin> {
    const admin = this.kafka().admin()
    try {
      await admin.connect()
    } catch (error) {
      throw brokerError('connecting an admin client', error)
    }
    return this.track(new KafkaJsAdmin(admin, this.options.replicationFactor ?? 1), 'close')
  }

  consumer(options: { groupId: string; clientId: string; readCommitted: boolean }): BackendConsumer {
    return this.track(
      new KafkaJsConsumer(
        this.kafka(options.clientId),
        options.groupId,
        options.readCommitted,
        this.options.sessionTimeoutMs ?? 30_000,
      ),
      'stop',
    )
  }

  async producer(options: { clientId: string; transactionalId?: string }): Promise<BackendProducer> {
    return this.track(
      await KafkaJsProducer.connect(this.kafka(options.clientId), options.transactionalId),
      'close',
    )
  }

  reader(options: { clientId: string; readCommitted: boolean }): BackendReader {
    return this.track(
      new KafkaJsReader(this.kafka(options.clientId), options.clientId, options.readCommitted),
      'close',
    )
  }

  /** Closes every client this backend handed out that its owner has not closed. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.open].map((close) => close()))
  }
}
