import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Metric names, defined once. */
export const GATEWAY_METRICS = {
  calls: 'oxagry_payment_gateway_provider_calls_total',
  callDuration: 'oxagry_payment_gateway_provider_call_duration_seconds',
  retries: 'oxagry_payment_gateway_retries_total',
  commands: 'oxagry_payment_gateway_commands_total',
  events: 'oxagry_payment_gateway_events_total',
  amounts: 'oxagry_payment_gateway_amount_minor_total',
  up: 'oxagry_payment_gateway_up',
} as const

function once<M>(registry: Registry, name: string, make: () => M): M {
  // Two gateways in one process (tests) share a registry: the second reuses the first one's metric.
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}

export class GatewayMetrics {
  /** Provider calls by operation and outcome (approved, declined, unavailable, error). */
  readonly calls: Counter<'operation' | 'outcome'>
  readonly callDuration: Histogram<'operation'>
  /** Provider calls made again after an outage or a retriable error. */
  readonly retries: Counter<'operation'>
  /** Commands finished, by result: done (outcome committed), pending (the outcome comes by webhook) or dead_lettered. */
  readonly commands: Counter<'result'>
  /** Payment events written, by step. */
  readonly events: Counter<'step'>
  /**
   * Money moved by the provider, in minor units, by step (PaymentCaptured, PaymentRefunded,
   * PaymentVoided) and currency: revenue captured is the captured series minus the refunded one.
   */
  readonly amounts: Counter<'step' | 'currency'>
  /** 1 while consuming and the provider answers. */
  readonly up: Gauge

  constructor(readonly registry: Registry) {
    const registers = [registry]
    this.calls = once(
      registry,
      GATEWAY_METRICS.calls,
      () =>
        new Counter({
          name: GATEWAY_METRICS.calls,
          help: 'Payment provider calls by operation and outcome',
          labelNames: ['operation', 'outcome'],
          registers,
        }),
    )
    this.callDuration = once(
      registry,
      GATEWAY_METRICS.callDuration,
      () =>
        new Histogram({
          name: GATEWAY_METRICS.callDuration,
          help: 'Time a provider call took, by operation',
          labelNames: ['operation'],
          buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10],
          registers,
        }),
    )
    this.retries = once(
      registry,
      GATEWAY_METRICS.retries,
      () =>
        new Counter({
          name: GATEWAY_METRICS.retries,
          help: 'Provider calls retried after an outage, by operation',
          labelNames: ['operation'],
          registers,
        }),
    )
    this.commands = once(
      registry,
      GATEWAY_METRICS.commands,
      () =>
        new Counter({
          name: GATEWAY_METRICS.commands,
          help: 'Payment commands finished and committed, by result',
          labelNames: ['result'],
          registers,
        }),
    )
    this.events = once(
      registry,
      GATEWAY_METRICS.events,
      () =>
        new Counter({
          name: GATEWAY_METRICS.events,
          help: 'Payment events written, by step',
          labelNames: ['step'],
          registers,
        }),
    )
    this.amounts = once(
      registry,
      GATEWAY_METRICS.amounts,
      () =>
        new Counter({
          name: GATEWAY_METRICS.amounts,
          help: 'Money moved by the payment provider in minor units, by step and currency',
          labelNames: ['step', 'currency'],
          registers,
        }),
    )
    this.up = once(
      registry,
      GATEWAY_METRICS.up,
      () => new Gauge({ name: GATEWAY_METRICS.up, help: 'Consuming with the provider answering', registers }),
    )
  }
}
