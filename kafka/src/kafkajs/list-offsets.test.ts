import { createRequire } from 'node:module'
import test from 'ava'
import kafkajs from 'kafkajs'

// kafkajs' admin gave up at once when a partition's leader answered NOT_LEADER_FOR_PARTITION to
// ListOffsets (a fresh topic's leader not taken up yet, or a leader that moved), and refreshed its
// metadata only for UNKNOWN_TOPIC_OR_PARTITION; the project patches it (see patches/) to refresh and
// ask again, as the Java client does. This drives the patched admin against a scripted cluster.
const require = createRequire(import.meta.url)
const createAdmin = require('kafkajs/src/admin') as (options: unknown) => kafkajs.Admin
const { createLogger, LEVELS } = require('kafkajs/src/loggers') as {
  createLogger: (options: unknown) => unknown
  LEVELS: { NOTHING: number }
}
const { KafkaJSProtocolError } = kafkajs

function scriptedCluster(failures: string[]): { cluster: unknown; log: string[] } {
  const log: string[] = []
  const cluster = {
    addTargetTopic: async () => {},
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => void log.push('metadata refreshed'),
    findTopicPartitionMetadata: () => [{ partitionId: 0 }],
    fetchTopicsOffset: async ([request]: { topic: string; fromBeginning: boolean }[]) => {
      const failure = failures.shift()
      if (failure !== undefined) {
        log.push(failure)
        throw new KafkaJSProtocolError({ message: failure, type: failure, code: 6, retriable: true } as never)
      }
      return [
        {
          topic: request!.topic,
          partitions: [{ partition: 0, offset: request!.fromBeginning ? '0' : '42' }],
        },
      ]
    },
  }
  return { cluster, log }
}

const admin = (cluster: unknown): kafkajs.Admin =>
  createAdmin({
    cluster,
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    retry: { initialRetryTime: 1, retries: 5 },
  })

test('end offsets: a partition whose leader is not taken up yet refreshes the metadata and is asked again', async (t) => {
  const { cluster, log } = scriptedCluster(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE'])
  const offsets = await admin(cluster).fetchTopicOffsets('t')
  t.deepEqual(
    offsets.map((o) => [o.partition, o.high, o.low]),
    [[0, '42', '0']],
  )
  t.deepEqual(log, [
    'NOT_LEADER_FOR_PARTITION',
    'metadata refreshed',
    'LEADER_NOT_AVAILABLE',
    'metadata refreshed',
  ])
})

test('end offsets: an error that is not about leadership is not asked again', async (t) => {
  const { cluster, log } = scriptedCluster(['TOPIC_AUTHORIZATION_FAILED'])
  await t.throwsAsync(admin(cluster).fetchTopicOffsets('t'), { message: 'TOPIC_AUTHORIZATION_FAILED' })
  t.deepEqual(log, ['TOPIC_AUTHORIZATION_FAILED'])
})
