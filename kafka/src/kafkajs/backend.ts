import { Kafka } from 'kafkajs'
import type { BackendOptions } from '../backend-options.ts'
import { OpenClients } from '../open-clients.ts'
import { HEARTBEAT_INTERVAL_MS } from '../heartbeat.ts'
import type {
  BackendAdmin,
  BackendConsumer,
  ConsumerOptions,
  BackendProducer,
  BackendReader,
  KafkaBackend,
  ProducerOptions,
} from '../types.ts'
import { KafkaJsAdmin } from './admin.ts'
import { brokerError } from './broker-errors.ts'
import { CLIENT_RETRY, kafkaJsConnection, kafkaJsLogging } from './config.ts'
import { KafkaJsConsumer } from './consumer.ts'
import { KafkaJsProducer } from './producer.ts'
import { KafkaJsReader } from './reader.ts'

export type KafkaJsBackendOptions = BackendOptions

/** Kafka through kafkajs: a client of the broker's protocol written in JavaScript, on the event loop. */
export class KafkaJsBackend implements KafkaBackend {
  readonly name = 'kafkajs'
  /** kafkajs' TxnOffsetCommit (v0–v1) carries no group metadata. */
  readonly transactionalIds = 'per-task'
  /** One kafkajs instance per client id. */
  private readonly instances = new Map<string, Kafka>()
  private readonly clients = new OpenClients()

  constructor(private readonly options: KafkaJsBackendOptions) {}

  /**
   * kafkajs takes the client id per Kafka instance, not per client: one instance per id, so the broker's
   * logs, quotas and request metrics name each client as the application named it.
   */
  private kafka(clientId: string = this.options.clientId ?? 'oxagry'): Kafka {
    let kafka = this.instances.get(clientId)
    if (kafka === undefined) {
      kafka = new Kafka({
        retry: { ...CLIENT_RETRY },
        ...kafkaJsLogging(this.options.logger),
        ...kafkaJsConnection(this.options),
        clientId,
      })
      this.instances.set(clientId, kafka)
    }
    return kafka
  }

  async admin(): Promise<BackendAdmin> {
    const admin = this.kafka().admin()
    try {
      await admin.connect()
    } catch (error) {
      throw brokerError('connecting an admin client', error)
    }
    return this.clients.track(new KafkaJsAdmin(admin, this.options.replicationFactor ?? 1), 'close')
  }

  consumer(options: ConsumerOptions): BackendConsumer {
    return this.clients.track(
      new KafkaJsConsumer(
        this.kafka(options.clientId),
        options.groupId,
        options.readCommitted,
        this.options.sessionTimeoutMs ?? 30_000,
        HEARTBEAT_INTERVAL_MS,
        options.partitionsConcurrently ?? false,
      ),
      'stop',
    )
  }

  async producer(options: ProducerOptions): Promise<BackendProducer> {
    return this.clients.track(
      await KafkaJsProducer.connect(this.kafka(options.clientId), options.transactionalId),
      'close',
    )
  }

  reader(options: { clientId: string; readCommitted: boolean }): BackendReader {
    return this.clients.track(
      new KafkaJsReader(this.kafka(options.clientId), options.clientId, options.readCommitted),
      'close',
    )
  }

  /** Closes every client this backend handed out that its owner has not closed. */
  async close(): Promise<void> {
    await this.clients.closeAll()
  }
}
