import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Metric names, defined once. Every series carries `sink` (the consumer group) and most `target`. */
export const SINK_METRICS = {
  rowsWritten: 'oxagry_sink_rows_written_total',
  recordsConsumed: 'oxagry_sink_records_consumed_total',
  recordsSkipped: 'oxagry_sink_records_skipped_total',
  batchLatency: 'oxagry_sink_batch_duration_seconds',
  batchSize: 'oxagry_sink_batch_records',
  consumerLag: 'oxagry_sink_consumer_lag_records',
  retries: 'oxagry_sink_retries_total',
  deadLetters: 'oxagry_sink_dead_letters_total',
  commits: 'oxagry_sink_commits_total',
  up: 'oxagry_sink_up',
} as const

function once<M>(registry: Registry, name: string, make: () => M): M {
  // Several sinks in one process share a registry: the second one reuses the first one's metric.
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}

export class SinkMetrics {
  readonly rowsWritten: Counter<'sink' | 'target'>
  readonly recordsConsumed: Counter<'sink' | 'topic'>
  readonly recordsSkipped: Counter<'sink' | 'topic'>
  readonly batchLatency: Histogram<'sink' | 'target' | 'result'>
  readonly batchSize: Histogram<'sink' | 'target'>
  readonly consumerLag: Gauge<'sink' | 'topic' | 'partition'>
  readonly retries: Counter<'sink' | 'target' | 'code'>
  readonly deadLetters: Counter<'sink' | 'target' | 'stage' | 'code'>
  readonly commits: Counter<'sink'>
  readonly up: Gauge<'sink' | 'target'>

  constructor(readonly registry: Registry) {
    const registers = [registry]
    this.rowsWritten = once(
      registry,
      SINK_METRICS.rowsWritten,
      () =>
        new Counter({
          name: SINK_METRICS.rowsWritten,
          help: 'Items written durably by the target',
          labelNames: ['sink', 'target'],
          registers,
        }),
    )
    this.recordsConsumed = once(
      registry,
      SINK_METRICS.recordsConsumed,
      () =>
        new Counter({
          name: SINK_METRICS.recordsConsumed,
          help: 'Records received from the broker, per topic',
          labelNames: ['sink', 'topic'],
          registers,
        }),
    )
    this.recordsSkipped = once(
      registry,
      SINK_METRICS.recordsSkipped,
      () =>
        new Counter({
          name: SINK_METRICS.recordsSkipped,
          help: 'Records the decoder chose to skip (tombstones), per topic',
          labelNames: ['sink', 'topic'],
          registers,
        }),
    )
    this.batchLatency = once(
      registry,
      SINK_METRICS.batchLatency,
      () =>
        new Histogram({
          name: SINK_METRICS.batchLatency,
          help: 'Time from a batch flush to its offsets committed, retries and dead letters included',
          labelNames: ['sink', 'target', 'result'],
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    )
    this.batchSize = once(
      registry,
      SINK_METRICS.batchSize,
      () =>
        new Histogram({
          name: SINK_METRICS.batchSize,
          help: 'Records per flushed batch',
          labelNames: ['sink', 'target'],
          buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
          registers,
        }),
    )
    this.consumerLag = once(
      registry,
      SINK_METRICS.consumerLag,
      () =>
        new Gauge({
          name: SINK_METRICS.consumerLag,
          help: 'Records between the committed offset and the end of the partition',
          labelNames: ['sink', 'topic', 'partition'],
          registers,
        }),
    )
    this.retries = once(
      registry,
      SINK_METRICS.retries,
      () =>
        new Counter({
          name: SINK_METRICS.retries,
          help: 'Write attempts retried after a transient failure, per error code',
          labelNames: ['sink', 'target', 'code'],
          registers,
        }),
    )
    this.deadLetters = once(
      registry,
      SINK_METRICS.deadLetters,
      () =>
        new Counter({
          name: SINK_METRICS.deadLetters,
          help: 'Records sent to the dead-letter topic, per stage and error code',
          labelNames: ['sink', 'target', 'stage', 'code'],
          registers,
        }),
    )
    this.commits = once(
      registry,
      SINK_METRICS.commits,
      () =>
        new Counter({
          name: SINK_METRICS.commits,
          help: 'Offset commits after durable writes',
          labelNames: ['sink'],
          registers,
        }),
    )
    this.up = once(
      registry,
      SINK_METRICS.up,
      () =>
        new Gauge({
          name: SINK_METRICS.up,
          help: '1 while the sink consumes, 0 once it stopped or failed',
          labelNames: ['sink', 'target'],
          registers,
        }),
    )
  }
}
