import { Kafka } from 'kafkajs'
import type { BackendOptions } from '../backend-options.ts'
import { GroupMembers } from '../group-members.ts'
import { OpenClients } from '../open-clients.ts'
import type {
  BackendAdmin,
  BackendConsumer,
  ConsumerOptions,
  BackendProducer,
  BackendReader,
  KafkaBackend,
  ProducerOptions,
  TransactionalIdScheme,
} from '../types.ts'
import { KafkaJsAdmin } from './admin.ts'
import { brokerError } from './broker-errors.ts'
import { CLIENT_RETRY, kafkaJsConnection, kafkaJsLogging } from './config.ts'
import { KafkaJsConsumer, type GroupMember } from './consumer.ts'
import { KafkaJsProducer } from './producer.ts'
import { KafkaJsReader } from './reader.ts'

export interface KafkaJsBackendOptions extends BackendOptions {
  /**
   * Exactly-once's transactional ids (see TransactionalIdScheme): `per-thread` (the default, as Kafka
   * Streams' exactly_once_v2), since the install patch lets kafkajs send the member's group metadata
   * with its transactional offsets (TxnOffsetCommit v3); `per-task` to compare.
   */
  readonly transactionalIds?: TransactionalIdScheme
}

/** Kafka through kafkajs: a client of the broker's protocol written in JavaScript, on the event loop. */
export class KafkaJsBackend implements KafkaBackend {
  readonly name = 'kafkajs'
  readonly transactionalIds: TransactionalIdScheme
  /** One kafkajs instance per client id. */
  private readonly instances = new Map<string, Kafka>()
  private readonly clients = new OpenClients()
  /** The running member of each group in this process, whose metadata transactions carry. */
  private readonly members = new GroupMembers<GroupMember>()

  constructor(private readonly options: KafkaJsBackendOptions) {
    this.transactionalIds = options.transactionalIds ?? 'per-thread'
  }

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
      new KafkaJsConsumer(this.kafka(options.clientId), {
        groupId: options.groupId,
        readCommitted: options.readCommitted,
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 30_000,
        onMember: this.members.reporter(options.groupId),
      }),
      'stop',
    )
  }

  async producer(options: ProducerOptions): Promise<BackendProducer> {
    return this.clients.track(
      // A group without a member here (a tool committing for it) sends no metadata: generation -1,
      // which the coordinator checks nothing of, as the old protocol.
      await KafkaJsProducer.connect(this.kafka(options.clientId), options.transactionalId, (groupId) =>
        this.members.get(groupId),
      ),
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
