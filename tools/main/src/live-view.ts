import { tpKey, type BrokerRecord, type Following, type KafkaBackend } from '@oxagry/kafka'
import type { Logger } from 'pino'
import type { LiveView } from './module.ts'

export interface FollowOptions {
  readonly backend: KafkaBackend
  readonly topic: string
  readonly readCommitted: boolean
  /** Handles one value; a failure is logged with the record's place and the view goes on. */
  readonly onValue: (value: Buffer) => Promise<void>
  readonly logger: Logger
}

/**
 * A live view of a topic: what it held when asked is read first (the view is loaded then), and the
 * topic followed after. Neither holds up the caller; readiness asks `loaded()`, so a platform is not
 * ready while its live views are still catching up (after a restart, the snapshot would be partial).
 */
export async function followTopic(options: FollowOptions): Promise<LiveView> {
  const { backend, topic, logger } = options
  const admin = await backend.admin()
  const ends = await admin.endOffsets(topic).finally(() => admin.close())
  const reader = backend.reader({ clientId: 'oxagry-api', readCommitted: options.readCommitted })
  const apply = async (records: readonly BrokerRecord[]): Promise<void> => {
    for (const r of records) {
      if (r.value === null) continue
      await options
        .onValue(r.value)
        .catch((error: unknown) =>
          logger.warn({ err: error, topic, offset: r.offset }, 'feed record skipped'),
        )
    }
  }
  let loaded = false
  let stopped = false
  let following: Following | undefined
  const until = new Map([...ends].map(([partition, end]) => [tpKey(topic, partition), end]))
  const from = [...ends.keys()].map((partition) => ({ topic, partition, offset: '0' }))
  const running = reader
    .read(from, until, apply)
    .then(async () => {
      loaded = true
      if (stopped) return
      following = await reader.follow(
        [...ends].map(([partition, end]) => ({ topic, partition, offset: end })),
        apply,
      )
    })
    .catch((error: unknown) => logger.error({ err: error, topic }, 'live view stopped'))
  return {
    loaded: () => loaded,
    stop: async () => {
      stopped = true
      await running
      await following?.stop()
      await reader.close()
    },
  }
}
