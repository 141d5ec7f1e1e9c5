import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Metric names, defined once. */
export const WORKER_METRICS = {
  sends: 'oxagry_notification_channel_sends_total',
  sendDuration: 'oxagry_notification_channel_send_duration_seconds',
  retries: 'oxagry_notification_channel_retries_total',
  notifications: 'oxagry_notification_channel_notifications_total',
  up: 'oxagry_notification_channel_up',
} as const

function once<M>(registry: Registry, name: string, make: () => M): M {
  // Two workers in one process (tests) share a registry: the second reuses the first one's metric.
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}

export class WorkerMetrics {
  /** Provider calls by channel and outcome (sent, rejected, unavailable, error). */
  readonly sends: Counter<'channel' | 'outcome'>
  readonly sendDuration: Histogram<'channel'>
  /** Sends made again after the provider failed. */
  readonly retries: Counter<'channel'>
  /** Notifications finished, by result: sent, failed (dead-lettered) or unreadable (dead-lettered). */
  readonly notifications: Counter<'result'>
  /** 1 while consuming and the provider answers. */
  readonly up: Gauge

  constructor(readonly registry: Registry) {
    const registers = [registry]
    this.sends = once(
      registry,
      WORKER_METRICS.sends,
      () =>
        new Counter({
          name: WORKER_METRICS.sends,
          help: 'Channel provider calls by channel and outcome',
          labelNames: ['channel', 'outcome'],
          registers,
        }),
    )
    this.sendDuration = once(
      registry,
      WORKER_METRICS.sendDuration,
      () =>
        new Histogram({
          name: WORKER_METRICS.sendDuration,
          help: 'Time a provider call took, by channel',
          labelNames: ['channel'],
          buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10],
          registers,
        }),
    )
    this.retries = once(
      registry,
      WORKER_METRICS.retries,
      () =>
        new Counter({
          name: WORKER_METRICS.retries,
          help: 'Provider calls made again after a failure, by channel',
          labelNames: ['channel'],
          registers,
        }),
    )
    this.notifications = once(
      registry,
      WORKER_METRICS.notifications,
      () =>
        new Counter({
          name: WORKER_METRICS.notifications,
          help: 'Notifications finished by result (sent, failed, unreadable)',
          labelNames: ['result'],
          registers,
        }),
    )
    this.up = once(
      registry,
      WORKER_METRICS.up,
      () =>
        new Gauge({
          name: WORKER_METRICS.up,
          help: '1 while the channel worker consumes and its provider answers',
          registers,
        }),
    )
  }
}
