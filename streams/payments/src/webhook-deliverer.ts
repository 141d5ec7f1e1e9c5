import { signWebhook, WEBHOOK_SIGNATURE_HEADER, type WebhookNotification } from '@oxagry/payment-webhooks'
import { pino, type Logger } from 'pino'
import { invalidOptions } from './errors.ts'
import type { PendingDelivery } from './ledger.ts'
import type { SimulatedProvider } from './simulated-provider.ts'

export interface WebhookDelivererOptions {
  /** The provider whose pending calls are delivered. */
  readonly provider: Pick<SimulatedProvider, 'dueDeliveries' | 'settle' | 'notificationIdOf'>
  /**
   * Where to POST, e.g. `http://127.0.0.1:8080/api/v1/payments/webhooks/simulated`; a function when it
   * is known only later (the API's port once it listens): nothing is delivered while it says undefined.
   */
  readonly url: string | (() => string | undefined)
  /** The secret shared with the webhook route. */
  readonly secret: string
  /** How often due deliveries are looked for; ms. Default 500. */
  readonly intervalMs?: number
  /** Back-off of a failed delivery: doubles from baseMs up to maxMs. Default 500 ms to 30 s. */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number }
  /** Bound of one POST; ms. Default 5 s. */
  readonly timeoutMs?: number
  readonly logger?: Logger
  readonly now?: () => number
}

/** The body a pending call's final outcome is delivered with. */
export function webhookBodyOf(delivery: PendingDelivery, id: string): WebhookNotification {
  const { final } = delivery
  const base = {
    id,
    paymentId: delivery.paymentId,
    orderId: delivery.orderId,
    operation: delivery.operation,
    currency: delivery.currency,
    occurredAt: final.at,
  }
  return final.status === 'approved'
    ? {
        ...base,
        outcome: 'approved',
        amountMinor: final.amountMinor,
        reference: final.reference,
        expiresAt: final.expiresAt,
      }
    : {
        ...base,
        outcome: 'declined',
        amountMinor: delivery.amountMinor,
        reason: final.reason,
        message: final.message,
      }
}

/**
 * Delivers the simulated provider's pending outcomes to a webhook, as a real provider does: each a
 * signed POST (`webhook-signature: t=...,v1=...`), retried with capped exponential back-off until a
 * 2xx answers, then settled in the provider's ledger. A crash between the 2xx and the settling
 * delivers it again, with the same notification id: the receiving side drops the duplicate.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private readonly attempts = new Map<string, { count: number; nextAt: number }>()
  private readonly logger: Logger
  private readonly intervalMs: number
  private readonly baseMs: number
  private readonly maxMs: number
  private readonly timeoutMs: number
  private readonly now: () => number
  /** Deliveries answered 2xx, and attempts that failed. */
  readonly counts = { delivered: 0, failed: 0 }

  constructor(private readonly options: WebhookDelivererOptions) {
    const problems: string[] = []
    if (typeof options.url === 'string') {
      try {
        const url = new URL(options.url)
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          problems.push('/deliverer/url must be http(s)')
      } catch {
        problems.push(`/deliverer/url must be a URL, got ${JSON.stringify(options.url)}`)
      }
    } else if (typeof options.url !== 'function') problems.push('/deliverer/url must be a URL or a function')
    if (typeof options.secret !== 'string' || options.secret.length < 16)
      problems.push('/deliverer/secret must be at least 16 characters')
    this.intervalMs = options.intervalMs ?? 500
    this.baseMs = options.retry?.baseMs ?? 500
    this.maxMs = options.retry?.maxMs ?? 30_000
    this.timeoutMs = options.timeoutMs ?? 5_000
    for (const [name, value] of [
      ['intervalMs', this.intervalMs],
      ['retry/baseMs', this.baseMs],
      ['retry/maxMs', this.maxMs],
      ['timeoutMs', this.timeoutMs],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 1)
        problems.push(`/deliverer/${name} must be a positive integer`)
    if (this.maxMs < this.baseMs) problems.push('/deliverer/retry/maxMs must be >= baseMs')
    if (problems.length > 0) throw invalidOptions(problems)
    this.logger = (options.logger ?? pino({ name: 'oxagry-webhook-deliverer' })).child({
      component: 'webhook-deliverer',
    })
    this.now = options.now ?? Date.now
  }

  start(): void {
    const tick = (): void => {
      if (this.stopped) return
      this.running = this.deliverDue().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs)
      })
    }
    this.timer = setTimeout(tick, this.intervalMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  /** One round: every due delivery whose back-off has passed, one at a time. */
  async deliverDue(): Promise<void> {
    const url = typeof this.options.url === 'string' ? this.options.url : this.options.url()
    if (url === undefined) return
    for (const delivery of this.options.provider.dueDeliveries(this.now())) {
      if (this.stopped) return
      const key = `${delivery.paymentId}:${delivery.operation}`
      const tried = this.attempts.get(key)
      if (tried !== undefined && tried.nextAt > this.now()) continue
      const ok = await this.deliver(url, delivery)
      if (ok) {
        this.attempts.delete(key)
        this.counts.delivered++
        await this.options.provider.settle(delivery.paymentId, delivery.operation)
      } else {
        const count = (tried?.count ?? 0) + 1
        this.counts.failed++
        this.attempts.set(key, {
          count,
          nextAt: this.now() + Math.min(this.maxMs, this.baseMs * 2 ** (count - 1)),
        })
      }
    }
  }

  private async deliver(url: string, delivery: PendingDelivery): Promise<boolean> {
    const id = this.options.provider.notificationIdOf(delivery.paymentId, delivery.operation)
    const body = JSON.stringify(webhookBodyOf(delivery, id))
    const signature = signWebhook(this.options.secret, body, Math.floor(this.now() / 1000))
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [WEBHOOK_SIGNATURE_HEADER]: signature },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      const text = await response.text().catch(() => '')
      if (response.ok) return true
      this.logger.warn(
        { url, status: response.status, paymentId: delivery.paymentId, body: text.slice(0, 300) },
        'webhook delivery refused: retrying',
      )
    } catch (error) {
      this.logger.warn(
        { url, err: error, paymentId: delivery.paymentId },
        'webhook delivery failed: retrying',
      )
    }
    return false
  }
}
