import type * as RdKafka from 'node-rdkafka'
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
import { RdKafkaAdmin } from './admin.ts'
import { disconnect, rdkafka, rdkafkaConnection } from './client.ts'
import { groupClient, RdKafkaConsumer } from './consumer.ts'
import { RdKafkaProducer } from './producer.ts'
import { RdKafkaReader } from './reader.ts'

export interface RdKafkaBackendOptions extends BackendOptions {
  /**
   * Exactly-once's transactional ids (see TransactionalIdScheme): `per-thread` (the default, as Kafka
   * Streams' exactly_once_v2) since librdkafka sends the member's group metadata; `per-task` to compare.
   */
  readonly transactionalIds?: TransactionalIdScheme
}

/**
 * Kafka through librdkafka (node-rdkafka): fetching, batching, compression and commits on librdkafka's
 * own threads, the cooperative-sticky assignor with rebalance callbacks the application completes, and
 * exactly-once with consumer-group metadata. A transactional producer's offsets carry the metadata of
 * the group's member in this process, so a zombie member's commit is fenced too (KIP-447).
 */
export class RdKafkaBackend implements KafkaBackend {
  readonly name = 'rdkafka'
  private readonly config: Record<string, string | number | boolean>
  private readonly clients = new OpenClients()
  /** The running member of each group in this process, whose metadata transactions carry. */
  private readonly members = new GroupMembers<RdKafka.KafkaConsumer>()

  readonly transactionalIds: TransactionalIdScheme

  constructor(private readonly options: RdKafkaBackendOptions) {
    rdkafka()
    this.transactionalIds = options.transactionalIds ?? 'per-thread'
    this.config = { ...rdkafkaConnection(options), 'client.id': options.clientId ?? 'oxagry' }
  }

  private withClientId(clientId: string): Record<string, string | number | boolean> {
    return { ...this.config, 'client.id': clientId }
  }

  async admin(): Promise<BackendAdmin> {
    return this.clients.track(
      await RdKafkaAdmin.connect(this.config, this.options.replicationFactor ?? 1),
      'close',
    )
  }

  consumer(options: ConsumerOptions): BackendConsumer {
    const settings = {
      config: this.withClientId(options.clientId),
      groupId: options.groupId,
      clientId: options.clientId,
      readCommitted: options.readCommitted,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 30_000,
    }
    return this.clients.track(new RdKafkaConsumer(settings, this.members.reporter(options.groupId)), 'stop')
  }

  async producer(options: ProducerOptions): Promise<BackendProducer> {
    const config = this.withClientId(options.clientId)
    const memberOf = async (
      groupId: string,
    ): Promise<{ consumer: RdKafka.KafkaConsumer; release(): Promise<void> }> => {
      const member = this.members.get(groupId)
      if (member !== undefined) return { consumer: member, release: async () => {} }
      // No member of the group here (a tool committing for a group): a client of the group without
      // membership, whose metadata carries no generation, as a producer of the old protocol sends.
      const client = await groupClient({
        config,
        groupId,
        clientId: options.clientId,
        readCommitted: true,
        sessionTimeoutMs: 30_000,
      })
      return { consumer: client, release: () => disconnect(client as never) }
    }
    return this.clients.track(
      await RdKafkaProducer.connect(config, options.transactionalId, memberOf),
      'close',
    )
  }

  reader(options: { clientId: string; readCommitted: boolean }): BackendReader {
    return this.clients.track(
      new RdKafkaReader(this.withClientId(options.clientId), options.clientId, options.readCommitted),
      'close',
    )
  }

  /** Closes every client this backend handed out that its owner has not closed. */
  async close(): Promise<void> {
    await this.clients.closeAll()
  }
}
