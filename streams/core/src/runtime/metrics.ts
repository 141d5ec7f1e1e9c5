import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Metric names, defined once. */
export const STREAMS_METRICS = {
  recordsProcessed: 'oxagry_streams_records_processed_total',
  processLatency: 'oxagry_streams_process_latency_seconds',
  commitLatency: 'oxagry_streams_commit_latency_seconds',
  consumerLag: 'oxagry_streams_consumer_lag_records',
  restoreRemaining: 'oxagry_streams_restore_remaining_records',
  restored: 'oxagry_streams_restored_records_total',
  standbyUpdated: 'oxagry_streams_standby_updated_records_total',
  storeEntries: 'oxagry_streams_store_entries',
  rebalances: 'oxagry_streams_rebalances_total',
  droppedRecords: 'oxagry_streams_dropped_records_total',
  deadLettered: 'oxagry_streams_dead_lettered_records_total',
  errors: 'oxagry_streams_errors_total',
  state: 'oxagry_streams_state',
} as const

type StoreSizes = () => { application: string; store: string; task: string; entries: number }[]

/** The store-size sources of every instance sharing a registry: one gauge collects them all. */
const STORE_SIZES = new WeakMap<Registry, Set<StoreSizes>>()

/**
 * The registry's metric of that name when an instance sharing the registry made it already (several
 * applications in one process, one /metrics), else a new one. Every series is labelled with its
 * application, so the instances do not mix.
 */
function shared<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}

/**
 * An application's own (business) counter in a registry several instances may share: the one already
 * registered under that name, else a new one.
 */
export function registeredCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  return shared(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }))
}

/** Every metric of one KafkaStreams instance, labelled with its application id. */
export class StreamsMetrics {
  readonly registry: Registry
  readonly recordsProcessed: Counter<'application' | 'subtopology'>
  readonly processLatency: Histogram<'application'>
  readonly commitLatency: Histogram<'application'>
  readonly consumerLag: Gauge<'application' | 'topic' | 'partition'>
  readonly restoreRemaining: Gauge<'application' | 'store' | 'task'>
  readonly restored: Counter<'application' | 'store'>
  readonly standbyUpdated: Counter<'application' | 'store'>
  readonly rebalances: Counter<'application'>
  readonly droppedRecords: Counter<'application' | 'node'>
  readonly deadLettered: Counter<'application' | 'stage'>
  readonly errors: Counter<'application' | 'stage' | 'code'>
  readonly state: Gauge<'application' | 'state'>

  private readonly storeSizes: StoreSizes

  constructor(registry: Registry | undefined, storeSizes: StoreSizes) {
    this.storeSizes = storeSizes
    this.registry = registry ?? new Registry()
    const registers = [this.registry]
    this.recordsProcessed = shared(
      this.registry,
      STREAMS_METRICS.recordsProcessed,
      () =>
        new Counter({
          name: STREAMS_METRICS.recordsProcessed,
          help: 'Records processed by the application, per sub-topology',
          labelNames: ['application', 'subtopology'],
          registers,
        }),
    )
    this.processLatency = shared(
      this.registry,
      STREAMS_METRICS.processLatency,
      () =>
        new Histogram({
          name: STREAMS_METRICS.processLatency,
          help: 'Time to process one batch of input records, per record',
          labelNames: ['application'],
          buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
          registers,
        }),
    )
    this.commitLatency = shared(
      this.registry,
      STREAMS_METRICS.commitLatency,
      () =>
        new Histogram({
          name: STREAMS_METRICS.commitLatency,
          help: 'Time to commit offsets, changelogs and (exactly-once) transactions',
          labelNames: ['application'],
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    )
    this.consumerLag = shared(
      this.registry,
      STREAMS_METRICS.consumerLag,
      () =>
        new Gauge({
          name: STREAMS_METRICS.consumerLag,
          help: 'Records between the committed position and the end of each input partition',
          labelNames: ['application', 'topic', 'partition'],
          registers,
        }),
    )
    this.restoreRemaining = shared(
      this.registry,
      STREAMS_METRICS.restoreRemaining,
      () =>
        new Gauge({
          name: STREAMS_METRICS.restoreRemaining,
          help: 'Changelog records still to restore, per store and task',
          labelNames: ['application', 'store', 'task'],
          registers,
        }),
    )
    this.restored = shared(
      this.registry,
      STREAMS_METRICS.restored,
      () =>
        new Counter({
          name: STREAMS_METRICS.restored,
          help: 'Changelog records restored into stores',
          labelNames: ['application', 'store'],
          registers,
        }),
    )
    this.standbyUpdated = shared(
      this.registry,
      STREAMS_METRICS.standbyUpdated,
      () =>
        new Counter({
          name: STREAMS_METRICS.standbyUpdated,
          help: 'Changelog records applied to standby stores',
          labelNames: ['application', 'store'],
          registers,
        }),
    )
    let sources = STORE_SIZES.get(this.registry)
    if (sources === undefined) {
      const all = new Set<StoreSizes>()
      sources = all
      STORE_SIZES.set(this.registry, all)
      new Gauge({
        name: STREAMS_METRICS.storeEntries,
        help: 'Approximate entries per store and task',
        labelNames: ['application', 'store', 'task'],
        registers,
        collect() {
          this.reset()
          for (const sizes of all)
            for (const s of sizes())
              this.set({ application: s.application, store: s.store, task: s.task }, s.entries)
        },
      })
    }
    sources.add(storeSizes)
    this.rebalances = shared(
      this.registry,
      STREAMS_METRICS.rebalances,
      () =>
        new Counter({
          name: STREAMS_METRICS.rebalances,
          help: 'Partition assignments this instance went through',
          labelNames: ['application'],
          registers,
        }),
    )
    this.droppedRecords = shared(
      this.registry,
      STREAMS_METRICS.droppedRecords,
      () =>
        new Counter({
          name: STREAMS_METRICS.droppedRecords,
          help: 'Records processors chose not to process (late for their window, null key)',
          labelNames: ['application', 'node'],
          registers,
        }),
    )
    this.deadLettered = shared(
      this.registry,
      STREAMS_METRICS.deadLettered,
      () =>
        new Counter({
          name: STREAMS_METRICS.deadLettered,
          help: 'Records sent to the dead-letter topic, per stage',
          labelNames: ['application', 'stage'],
          registers,
        }),
    )
    this.errors = shared(
      this.registry,
      STREAMS_METRICS.errors,
      () =>
        new Counter({
          name: STREAMS_METRICS.errors,
          help: 'Record errors by stage and code, whatever the handler decided',
          labelNames: ['application', 'stage', 'code'],
          registers,
        }),
    )
    this.state = shared(
      this.registry,
      STREAMS_METRICS.state,
      () =>
        new Gauge({
          name: STREAMS_METRICS.state,
          help: '1 for the state the instance is in',
          labelNames: ['application', 'state'],
          registers,
        }),
    )
  }

  /**
   * A closed instance's stores leave the shared store gauge (its other series stay, as counters do
   * in Prometheus), and the registry no longer holds the instance.
   */
  close(): void {
    STORE_SIZES.get(this.registry)?.delete(this.storeSizes)
  }
}
