import { createHash } from 'node:crypto'
import type { PaymentFailureReason } from '@oxagry/avro'
import { invalidOptions } from './errors.ts'
import { PAYMENT_OPERATIONS } from './provider.ts'
import { PaymentLedger, type LedgerEntry, type PendingDelivery } from './ledger.ts'
import type {
  Answer,
  AuthoriseRequest,
  FinalOutcome,
  PaymentOperation,
  PaymentProvider,
  PaymentRequest,
  ProviderOutcome,
  RefundRequest,
} from './provider.ts'

/** A span of wall-clock time, [fromMs, toMs), in which the provider answers nothing. */
export interface OutageWindow {
  readonly fromMs: number
  readonly toMs: number
}

export interface SimulatedProviderOptions {
  /** The ledger's JSON-lines file; created when missing, read back when there. */
  readonly ledgerPath: string
  /** Decides which payments are declined; the same seed declines the same payments. Default 1. */
  readonly seed?: number | string
  /** Share of authorisations declined, 0 to 1. Default 0.1. */
  readonly declineRate?: number
  /**
   * Share of the calls in `pendingOperations` answered pending, 0 to 1, decided by the seed and the
   * payment id like a decline: the final outcome is decided at once, recorded, and delivered later by
   * webhook (`dueDeliveries`, `settle`). Default 0.
   */
  readonly pendingRate?: number
  /** The calls that may be left pending. Default authorisations only (3-D Secure). */
  readonly pendingOperations?: readonly PaymentOperation[]
  /** How long after the pending answer its final outcome is decided and can be delivered; ms. Default 2000. */
  readonly pendingDelayMs?: number
  /** Time each call takes; ms. Default 0. */
  readonly latencyMs?: number
  /** Wall-clock spans in which every call is unavailable. */
  readonly outages?: readonly OutageWindow[]
  /** How long an authorisation can be captured; ms. Default 7 days. */
  readonly authorisationTtlMs?: number
  /** The clock; Date.now unless a test says. */
  readonly now?: () => number
}

const DECLINES: readonly { reason: PaymentFailureReason; message: string }[] = [
  { reason: 'DECLINED', message: 'do not honour' },
  { reason: 'INSUFFICIENT_FUNDS', message: 'insufficient funds' },
]

/**
 * A payment provider for development and tests: deterministic (the seed and the payment id decide a
 * decline, not the order of calls), idempotent per payment id and operation (a repeated call returns
 * the recorded outcome), with latency and outage windows, and a ledger on disk that survives a crash.
 */
export class SimulatedProvider implements PaymentProvider {
  readonly name = 'simulated'
  private readonly inFlight = new Map<string, Promise<Answer>>()
  private readonly pendingRate: number
  private readonly pendingOperations: readonly PaymentOperation[]
  private readonly pendingDelayMs: number
  private readonly seed: string
  private readonly declineRate: number
  private readonly latencyMs: number
  private readonly outages: readonly OutageWindow[]
  private readonly ttlMs: number
  private readonly now: () => number
  /** Calls answered, unavailable ones included, by operation. */
  readonly calls: Record<PaymentOperation, number> = { authorise: 0, capture: 0, void: 0, refund: 0 }

  private constructor(
    readonly ledger: PaymentLedger,
    options: SimulatedProviderOptions,
  ) {
    this.seed = String(options.seed ?? 1)
    this.declineRate = options.declineRate ?? 0.1
    this.pendingRate = options.pendingRate ?? 0
    this.pendingOperations = options.pendingOperations ?? ['authorise']
    this.pendingDelayMs = options.pendingDelayMs ?? 2000
    this.latencyMs = options.latencyMs ?? 0
    this.outages = options.outages ?? []
    this.ttlMs = options.authorisationTtlMs ?? 7 * 24 * 3_600_000
    this.now = options.now ?? Date.now
  }

  static async open(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
    const problems: string[] = []
    if (typeof options.ledgerPath !== 'string' || options.ledgerPath === '')
      problems.push('/provider/ledgerPath must be a file path')
    for (const [name, rate] of [
      ['declineRate', options.declineRate],
      ['pendingRate', options.pendingRate],
    ] as const)
      if (rate !== undefined && !(rate >= 0 && rate <= 1))
        problems.push(`/provider/${name} must be between 0 and 1, got ${rate}`)
    for (const [i, op] of (options.pendingOperations ?? []).entries())
      if (!PAYMENT_OPERATIONS.includes(op))
        problems.push(`/provider/pendingOperations/${i} must be one of ${PAYMENT_OPERATIONS.join(', ')}`)
    for (const [name, value] of [
      ['pendingDelayMs', options.pendingDelayMs],
      ['latencyMs', options.latencyMs],
      ['authorisationTtlMs', options.authorisationTtlMs],
    ] as const)
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
        problems.push(`/provider/${name} must be a whole number of ms, got ${value}`)
    for (const [i, w] of (options.outages ?? []).entries())
      if (!(Number.isFinite(w.fromMs) && Number.isFinite(w.toMs) && w.fromMs < w.toMs))
        problems.push(`/provider/outages/${i} must have fromMs < toMs`)
    if (problems.length > 0) throw invalidOptions(problems)
    return new SimulatedProvider(await PaymentLedger.open(options.ledgerPath), options)
  }

  authorise(request: AuthoriseRequest): Promise<ProviderOutcome> {
    return this.call('authorise', request, (at) => {
      if (request.amountMinor <= 0) return declined('OTHER', 'the amount must be above 0', at)
      if (this.unit(request.paymentId, 'decline') < this.declineRate) {
        const pick = DECLINES[Math.floor(this.unit(request.paymentId, 'reason') * DECLINES.length)]
        const { reason, message } = pick ?? DECLINES[0]!
        return declined(reason, message, at)
      }
      const code = createHash('sha256').update(`${this.seed}:${request.paymentId}:code`).digest('hex')
      return approved(request, `SIM-${code.slice(0, 12).toUpperCase()}`, at, at + this.ttlMs)
    })
  }

  capture(request: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('capture', request, (at) => {
      const hold = this.hold(request)
      if (typeof hold === 'string') return declined('OTHER', `nothing to capture: ${hold}`, at)
      if (this.ledger.outcome(request.paymentId, 'void')?.outcome.status === 'approved')
        return declined('OTHER', 'nothing to capture: the authorisation was voided', at)
      if (
        hold.outcome.status === 'approved' &&
        hold.outcome.expiresAt !== null &&
        at > hold.outcome.expiresAt
      )
        return declined('EXPIRED', 'the authorisation lapsed', at)
      if (request.amountMinor > hold.amountMinor)
        return declined(
          'OTHER',
          `capture of ${request.amountMinor} above the ${hold.amountMinor} authorised`,
          at,
        )
      return approved(request, `${reference(hold)}-C`, at, null)
    })
  }

  void(request: PaymentRequest): Promise<ProviderOutcome> {
    let cancelledPending = false
    // A void of an authorisation still pending cancels it, as a provider cancels a payment awaiting
    // 3-D Secure: its outcome becomes a decline, delivered by webhook like any other, and no hold is left.
    const cancelPending = async (at: number): Promise<void> => {
      const auth = this.ledger.outcome(request.paymentId, 'authorise')
      if (auth?.outcome.status !== 'pending' || auth.settled === true) return
      await this.ledger.record({
        ...auth,
        final: declined('OTHER', 'cancelled before the provider decided', at),
      })
      cancelledPending = true
    }
    return this.call(
      'void',
      request,
      (at) => {
        if (cancelledPending)
          return approved(
            { ...request, amountMinor: 0 },
            `${request.paymentId.slice(0, 8).toUpperCase()}-V`,
            at,
            null,
          )
        const hold = this.hold(request)
        if (typeof hold === 'string') return declined('OTHER', `nothing to void: ${hold}`, at)
        if (this.ledger.outcome(request.paymentId, 'capture')?.outcome.status === 'approved')
          return declined('OTHER', 'nothing to void: the payment was captured (refund it)', at)
        return approved({ ...request, amountMinor: hold.amountMinor }, `${reference(hold)}-V`, at, null)
      },
      cancelPending,
    )
  }

  refund(request: RefundRequest): Promise<ProviderOutcome> {
    return this.call('refund', request, (at) => {
      const balance = this.ledger.balance(request.paymentId)
      const refundable = (balance?.capturedMinor ?? 0) - (balance?.refundedMinor ?? 0)
      if (balance === undefined || balance.capturedMinor === 0)
        return declined('OTHER', 'nothing to refund: the payment was not captured', at)
      if (balance.currency !== request.currency)
        return declined('OTHER', `the payment is in ${balance.currency}, not ${request.currency}`, at)
      if (request.amountMinor <= 0 || request.amountMinor > refundable)
        return declined('OTHER', `refund of ${request.amountMinor} outside the ${refundable} refundable`, at)
      return approved(request, `${request.paymentId.slice(0, 8).toUpperCase()}-R`, at, null)
    })
  }

  /** Pending calls whose final outcome is decided by `now` and not yet delivered. */
  dueDeliveries(now: number = this.now()): PendingDelivery[] {
    return this.ledger.pendingDeliveries().filter((d) => d.final.at <= now)
  }

  /**
   * Records that a pending call's final outcome was delivered (the webhook answered 2xx): from now on
   * it counts (a hold can be captured, a capture refunded). Once; a second call changes nothing.
   */
  async settle(paymentId: string, operation: PaymentOperation): Promise<void> {
    const entry = this.ledger.outcome(paymentId, operation)
    if (entry === undefined || entry.outcome.status !== 'pending' || entry.final === undefined) return
    const { final: outcome, ...rest } = entry
    await this.ledger.record({ ...rest, outcome, settled: true })
  }

  /** The id of the webhook notification of a pending call: a redelivery carries the same. */
  notificationIdOf(paymentId: string, operation: PaymentOperation): string {
    const hash = createHash('sha256')
      .update(`${this.seed}:${paymentId}:${operation}:notification`)
      .digest('hex')
    return `sim_evt_${hash.slice(0, 24)}`
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight.values())
    await this.ledger.close()
  }

  /** The approved authorisation of the payment, or why there is none. */
  private hold(request: PaymentRequest): LedgerEntry | string {
    const hold = this.ledger.outcome(request.paymentId, 'authorise')
    if (hold === undefined) return 'the payment was never authorised'
    if (hold.outcome.status === 'pending') return 'the authorisation is still pending'
    if (hold.outcome.status !== 'approved') return 'the authorisation was declined'
    if (hold.currency !== request.currency)
      return `the payment is in ${hold.currency}, not ${request.currency}`
    return hold
  }

  /** A number in [0, 1) from the seed, the payment and a purpose: the same inputs, the same number. */
  private unit(paymentId: string, purpose: string): number {
    const hash = createHash('sha256').update(`${this.seed}:${paymentId}:${purpose}`).digest()
    return hash.readUInt32BE(0) / 2 ** 32
  }

  private async call(
    operation: PaymentOperation,
    request: PaymentRequest,
    decide: (at: number) => FinalOutcome,
    before?: (at: number) => Promise<void>,
  ): Promise<ProviderOutcome> {
    this.calls[operation]++
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs))
    const at = this.now()
    const outage = this.outages.find((w) => at >= w.fromMs && at < w.toMs)
    if (outage !== undefined)
      return {
        status: 'unavailable',
        message: `provider outage until ${new Date(outage.toMs).toISOString()}`,
      }
    // A repeated call is answered as the first was, pending included: the outcome of a pending call
    // comes by webhook only, so it is never written twice.
    const recorded = this.ledger.answer(request.paymentId, operation)
    if (recorded !== undefined) return recorded.outcome
    const key = `${request.paymentId}:${operation}`
    const running = this.inFlight.get(key)
    if (running !== undefined) return running
    const answer = (async () => {
      await before?.(at)
      const base = {
        paymentId: request.paymentId,
        orderId: request.orderId,
        operation,
        currency: request.currency,
      }
      if (
        this.pendingOperations.includes(operation) &&
        this.unit(request.paymentId, `pending:${operation}`) < this.pendingRate
      ) {
        // Decided now (deterministic), taking effect when delivered: the ledger says what will come.
        const decidedAt = at + this.pendingDelayMs
        const final = decide(decidedAt)
        const pending: Answer = {
          status: 'pending',
          reference: `SIM-PEND-${request.paymentId.slice(0, 8).toUpperCase()}`,
          at,
        }
        const amountMinor = final.status === 'approved' ? final.amountMinor : request.amountMinor
        await this.ledger.record({ ...base, amountMinor, outcome: pending, final })
        return pending
      }
      const outcome = decide(at)
      const amountMinor = outcome.status === 'approved' ? outcome.amountMinor : request.amountMinor
      await this.ledger.record({ ...base, amountMinor, outcome })
      return outcome
    })()
    this.inFlight.set(key, answer)
    try {
      return await answer
    } finally {
      this.inFlight.delete(key)
    }
  }
}

function approved(request: PaymentRequest, ref: string, at: number, expiresAt: number | null): FinalOutcome {
  return {
    status: 'approved',
    reference: ref,
    amountMinor: request.amountMinor,
    currency: request.currency,
    expiresAt,
    at,
  }
}

function declined(reason: PaymentFailureReason, message: string, at: number): FinalOutcome {
  return { status: 'declined', reason, message, at }
}

function reference(hold: LedgerEntry): string {
  return hold.outcome.status === 'approved' ? hold.outcome.reference : hold.paymentId
}
