import { mkdirSync, readFileSync } from 'node:fs'
import { open, truncate, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { PAYMENT_OPERATIONS, type Answer, type FinalOutcome, type PaymentOperation } from './provider.ts'

/** One answered call, as a line of the ledger file. */
export interface LedgerEntry {
  readonly paymentId: string
  /** The order paid for (entries written before it was recorded have none). */
  readonly orderId?: string
  readonly operation: PaymentOperation
  readonly amountMinor: number
  readonly currency: string
  /** The answer given; for a settled pending call, the outcome that was delivered. */
  readonly outcome: Answer
  /** A pending answer's final outcome, decided when it was answered and delivered later by webhook. */
  readonly final?: FinalOutcome
  /** True on the entry that settles a pending call: its final outcome was delivered and took effect. */
  readonly settled?: true
}

/** A pending call whose final outcome is still to be delivered. */
export interface PendingDelivery {
  readonly paymentId: string
  readonly orderId: string
  readonly operation: PaymentOperation
  readonly amountMinor: number
  readonly currency: string
  readonly final: FinalOutcome
}

/** What a payment stands at: the sums of the approved calls. */
export interface PaymentBalance {
  readonly currency: string
  readonly authorisedMinor: number
  readonly capturedMinor: number
  readonly voidedMinor: number
  readonly refundedMinor: number
}

const EMPTY: Omit<PaymentBalance, 'currency'> = {
  authorisedMinor: 0,
  capturedMinor: 0,
  voidedMinor: 0,
  refundedMinor: 0,
}

const FIELD: Record<PaymentOperation, keyof typeof EMPTY> = {
  authorise: 'authorisedMinor',
  capture: 'capturedMinor',
  void: 'voidedMinor',
  refund: 'refundedMinor',
}

function ledgerError(message: string, cause?: unknown): PaymentsError {
  return new PaymentsError(PAYMENTS_ERROR_CODES.LEDGER, message, cause === undefined ? {} : { cause })
}

function parseEntry(line: string, where: string): LedgerEntry {
  let entry: LedgerEntry
  try {
    entry = JSON.parse(line) as LedgerEntry
  } catch (error) {
    throw ledgerError(`${where} is not JSON`, error)
  }
  if (
    typeof entry?.paymentId !== 'string' ||
    !PAYMENT_OPERATIONS.includes(entry.operation) ||
    !Number.isSafeInteger(entry.amountMinor) ||
    !['approved', 'declined', 'pending'].includes(entry.outcome?.status) ||
    (entry.outcome.status === 'pending' && entry.final === undefined)
  )
    throw ledgerError(`${where} is not a ledger entry: ${line.slice(0, 200)}`)
  return entry
}

/**
 * The provider's own record of every answered call: an append-only JSON-lines file, each line synced
 * to disk before the call is answered, read back whole on open. So an answer once given survives a
 * crash, and the same call made again finds it. A last line cut short by a crash was never answered
 * (its sync never returned) and is cut off; a bad line anywhere else is an error.
 */
export class PaymentLedger {
  /** The first answer per payment and operation: what a repeated call is answered with. */
  private readonly answers = new Map<string, LedgerEntry>()
  /** The latest entry per payment and operation: a settled final replaces a pending answer. */
  private readonly outcomes = new Map<string, LedgerEntry>()
  private readonly pending = new Map<string, LedgerEntry>()
  private readonly balances = new Map<string, PaymentBalance>()
  private chain: Promise<void> = Promise.resolve()
  private closed = false

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async open(path: string): Promise<PaymentLedger> {
    let text = ''
    try {
      mkdirSync(dirname(path), { recursive: true })
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw ledgerError(`cannot read the ledger ${path}: ${(error as Error).message}`, error)
    }
    const lines = text.split('\n')
    const torn = !text.endsWith('\n') && text.length > 0
    const entries: LedgerEntry[] = []
    lines.forEach((line, i) => {
      if (line.length === 0) return
      if (torn && i === lines.length - 1) {
        try {
          entries.push(parseEntry(line, 'the last line'))
        } catch {
          // Cut short by a crash before its sync returned: never answered.
        }
        return
      }
      entries.push(parseEntry(line, `line ${i + 1} of ${path}`))
    })
    let file: FileHandle
    try {
      // A torn tail is cut off, so the next entry starts on a line of its own and the file stays whole.
      if (torn) await truncate(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)))
      file = await open(path, 'a')
      await file.sync()
    } catch (error) {
      throw ledgerError(`cannot open the ledger ${path}: ${(error as Error).message}`, error)
    }
    const ledger = new PaymentLedger(path, file)
    for (const entry of entries) ledger.apply(entry)
    return ledger
  }

  /** Where a call stands: its answer, or, once a pending call settled, its delivered final outcome. */
  outcome(paymentId: string, operation: PaymentOperation): LedgerEntry | undefined {
    return this.outcomes.get(`${paymentId}:${operation}`)
  }

  /** The first answer of a call, as a repeated call is answered (pending stays pending). */
  answer(paymentId: string, operation: PaymentOperation): LedgerEntry | undefined {
    return this.answers.get(`${paymentId}:${operation}`)
  }

  /** Pending calls not settled yet, in the order they were answered. */
  pendingDeliveries(): PendingDelivery[] {
    return [...this.pending.values()].map((e) => ({
      paymentId: e.paymentId,
      orderId: e.orderId ?? '',
      operation: e.operation,
      amountMinor: e.amountMinor,
      currency: e.currency,
      final: e.final!,
    }))
  }

  balance(paymentId: string): PaymentBalance | undefined {
    return this.balances.get(paymentId)
  }

  /** Every payment's balance, by payment id. */
  all(): ReadonlyMap<string, PaymentBalance> {
    return this.balances
  }

  /** Appends the entry and syncs it to disk; resolves only once it is durable, then it counts. */
  record(entry: LedgerEntry): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.closed) throw ledgerError(`the ledger ${this.path} is closed`)
      try {
        await this.file.write(`${JSON.stringify(entry)}\n`)
        await this.file.sync()
      } catch (error) {
        throw ledgerError(`cannot write the ledger ${this.path}: ${(error as Error).message}`, error)
      }
      this.apply(entry)
    })
    this.chain = run.catch(() => {})
    return run
  }

  private apply(entry: LedgerEntry): void {
    const key = `${entry.paymentId}:${entry.operation}`
    if (!this.answers.has(key)) this.answers.set(key, entry)
    this.outcomes.set(key, entry)
    if (entry.outcome.status === 'pending') this.pending.set(key, entry)
    if (entry.settled === true) this.pending.delete(key)
    if (entry.outcome.status !== 'approved') return
    const held = this.balances.get(entry.paymentId) ?? { currency: entry.currency, ...EMPTY }
    const field = FIELD[entry.operation]
    this.balances.set(entry.paymentId, { ...held, [field]: held[field] + entry.amountMinor })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.chain
    this.closed = true
    await this.file.close()
  }
}
