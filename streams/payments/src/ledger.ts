import { mkdirSync, readFileSync } from 'node:fs'
import { open, truncate, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { PAYMENT_OPERATIONS, type FinalOutcome, type PaymentOperation } from './provider.ts'

/** One answered call, as a line of the ledger file. */
export interface LedgerEntry {
  readonly paymentId: string
  readonly operation: PaymentOperation
  readonly amountMinor: number
  readonly currency: string
  readonly outcome: FinalOutcome
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
    (entry.outcome?.status !== 'approved' && entry.outcome?.status !== 'declined')
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
  private readonly outcomes = new Map<string, LedgerEntry>()
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

  /** The recorded answer of a call, if it was answered. */
  outcome(paymentId: string, operation: PaymentOperation): LedgerEntry | undefined {
    return this.outcomes.get(`${paymentId}:${operation}`)
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
    this.outcomes.set(`${entry.paymentId}:${entry.operation}`, entry)
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
