import {
  tpKey,
  type BackendAdmin,
  type BrokerRecord,
  type Following,
  type KafkaBackend,
  type Serde,
} from '@oxagry/kafka'
import { createStore } from '../state/factory.ts'
import type { StateStore } from '../state/store.ts'
import { appLabel, clientIdOf, isExactlyOnce, stateDirOf, type RuntimeContext } from './context.ts'
import { codeOf } from './error-router.ts'
import { GlobalStoreTask } from './global-task.ts'

/**
 * The instance's global stores (Kafka Streams' GlobalStreamThread): each loaded from every partition of
 * its topic before the instance joins its group, then kept up to date while it runs.
 */
export class GlobalStores {
  /** Every global store by name, shared by all tasks. */
  readonly stores = new Map<string, StateStore>()
  private readonly tasks: GlobalStoreTask[] = []
  private following: Following | undefined

  constructor(
    private readonly context: RuntimeContext,
    private readonly backend: KafkaBackend,
  ) {}

  async start(admin: BackendAdmin): Promise<void> {
    const { topology, config, defaults, metrics, logger } = this.context
    if (topology.globalStores.length === 0) return
    const clock = { now: () => Date.now() }
    const routes = new Map<
      string,
      { task: GlobalStoreTask; keySerde: Serde<unknown>; valueSerde: Serde<unknown> }
    >()
    const partitions: { topic: string; partition: number; offset: string }[] = []
    const until = new Map<string, string>()
    for (const spec of topology.globalStores) {
      // Each stream thread of an instance keeps its own copy (isolates share no memory): apart on disk.
      const dir = this.context.thread === undefined ? 'global' : `global-${this.context.thread.index}`
      // Read whole from offset 0 at every start, with no checkpoint: what is on disk is not trusted.
      const store = createStore(spec.store, dir, { ...defaults, stateDir: stateDirOf(this.context) }, true)
      this.stores.set(spec.store.name, store)
      const task = new GlobalStoreTask(spec, store, config.applicationId, clock)
      this.tasks.push(task)
      routes.set(spec.topic, {
        task,
        keySerde: (spec.keySerde ?? defaults.defaultKeySerde) as Serde<unknown>,
        valueSerde: (spec.valueSerde ?? defaults.defaultValueSerde) as Serde<unknown>,
      })
      for (const [partition, end] of await admin.endOffsets(spec.topic)) {
        partitions.push({ topic: spec.topic, partition, offset: '0' })
        until.set(tpKey(spec.topic, partition), end)
      }
    }
    const apply = async (records: readonly BrokerRecord[]): Promise<void> => {
      for (const r of records) {
        const route = routes.get(r.topic)
        if (route === undefined) continue
        try {
          const key = r.key === null ? null : await route.keySerde.deserialize(r.topic, r.key, r.headers)
          const value =
            r.value === null ? null : await route.valueSerde.deserialize(r.topic, r.value, r.headers)
          route.task.process({ key, value, timestamp: r.timestamp, headers: r.headers }, r)
        } catch (error) {
          metrics.errors.inc({ ...appLabel(this.context), stage: 'global', code: codeOf(error) })
          logger.error(
            { err: error, topic: r.topic, partition: r.partition, offset: r.offset },
            'global store record skipped',
          )
        }
      }
    }
    const reader = this.backend.reader({
      clientId: clientIdOf(this.context, 'global'),
      readCommitted: isExactlyOnce(this.context),
    })
    await reader.read(partitions, until, apply)
    const positions = partitions.map((p) => ({ ...p, offset: until.get(tpKey(p.topic, p.partition)) ?? '0' }))
    this.following = await reader.follow(positions, apply)
  }

  async stop(): Promise<void> {
    await this.following?.stop()
    for (const task of this.tasks) task.close()
  }
}
