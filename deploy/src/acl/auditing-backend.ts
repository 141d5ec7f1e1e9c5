import type {
  BackendAdmin,
  BackendConsumer,
  ConsumerOptions,
  BackendProducer,
  BackendReader,
  KafkaBackend,
  PartitionOffset,
  ProducerOptions,
  TransactionalIdScheme,
} from '@oxagry/kafka'
import type { AclRequest } from './permits.ts'

/**
 * A backend that hands every call on to another and notes what each would ask of Kafka's authorizer:
 * joining a group, reading and writing topics, creating and describing them, transactional ids. A reader
 * outside any group is noted as the group the Kafka clients give it, `<clientId>-<uuid>`.
 */
export class AuditingBackend implements KafkaBackend {
  readonly requests: AclRequest[] = []
  readonly name: string
  readonly transactionalIds: TransactionalIdScheme

  constructor(private readonly inner: KafkaBackend) {
    this.name = `audited ${inner.name}`
    this.transactionalIds = inner.transactionalIds
  }

  private note(type: AclRequest['type'], names: Iterable<string>, operation: AclRequest['operation']): void {
    for (const name of names) this.requests.push({ type, name, operation })
  }

  async admin(): Promise<BackendAdmin> {
    const admin = await this.inner.admin()
    return {
      partitionCounts: (topics) => {
        this.note('topic', topics, 'Describe')
        return admin.partitionCounts(topics)
      },
      createTopics: (topics) => {
        this.note(
          'topic',
          topics.map((t) => t.name),
          'Create',
        )
        return admin.createTopics(topics)
      },
      endOffsets: (topic, options) => {
        this.note('topic', [topic], 'Describe')
        return admin.endOffsets(topic, options)
      },
      close: () => admin.close(),
    }
  }

  consumer(options: ConsumerOptions): BackendConsumer {
    const consumer = this.inner.consumer(options)
    this.note('group', [options.groupId], 'Read')
    return {
      run: (topics, handlers) => {
        this.note('topic', topics, 'Read')
        return consumer.run(topics, handlers)
      },
      commit: (offsets) => consumer.commit(offsets),
      committed: (partitions) => {
        this.note('group', [options.groupId], 'Describe')
        return consumer.committed(partitions)
      },
      seek: (partition) => consumer.seek(partition),
      stop: () => consumer.stop(),
    }
  }

  async producer(options: ProducerOptions): Promise<BackendProducer> {
    const producer = await this.inner.producer(options)
    if (options.transactionalId !== undefined)
      this.note('transactionalId', [options.transactionalId], 'Write')
    return {
      send: (records) => {
        this.note(
          'topic',
          records.map((r) => r.topic),
          'Write',
        )
        return producer.send(records)
      },
      beginTransaction: () => producer.beginTransaction(),
      sendOffsets: (groupId, offsets) => {
        this.note('group', [groupId], 'Read')
        return producer.sendOffsets(groupId, offsets)
      },
      commitTransaction: () => producer.commitTransaction(),
      abortTransaction: () => producer.abortTransaction(),
      get inTransaction() {
        return producer.inTransaction
      },
      close: () => producer.close(),
    }
  }

  reader(options: { clientId: string; readCommitted: boolean }): BackendReader {
    const reader = this.inner.reader(options)
    const reads = (partitions: readonly PartitionOffset[]): void => {
      this.note('group', [`${options.clientId}-00000000-0000-4000-8000-000000000000`], 'Read')
      this.note(
        'topic',
        partitions.map((p) => p.topic),
        'Read',
      )
    }
    return {
      read: (partitions, until, onRecords) => {
        reads(partitions)
        return reader.read(partitions, until, onRecords)
      },
      follow: (partitions, onRecords) => {
        reads(partitions)
        return reader.follow(partitions, onRecords)
      },
      close: () => reader.close(),
    }
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
