import { nameUuid, type OrderId, type OrderValidation } from '@oxagry/avro'

/** The answer for one line (stock key) of an order's reservation, sent keyed by order id. */
export interface LineAnswer {
  readonly orderId: string
  readonly stockKey: string
  readonly productId: string
  readonly warehouseId: string
  /** How many stock keys the order reserves in all. */
  readonly lineCount: number
  readonly reserved: boolean
  readonly wanted: number
  /** Units available when the line was answered (before a reservation took its share). */
  readonly available: number
  /** The command's time: what the validation carries as its own. */
  readonly occurredAt: number
}

/** Per order: the lines reserved so far, then the one answer once given. */
export interface OrderAnswers {
  readonly reservedKeys: readonly string[]
  readonly validation: OrderValidation | null
  /** True only in the update that gave the answer: the one update that is sent on. */
  readonly fresh: boolean
}

export const NO_ANSWERS: OrderAnswers = Object.freeze({ reservedKeys: [], validation: null, fresh: false })

export function inventoryValidationId(orderId: string): string {
  return nameUuid(`validation:${orderId}:INVENTORY`)
}

/**
 * Folds one line's answer into the order's: failed (OUT_OF_STOCK, naming the line) at the first refused
 * line, passed once `lineCount` different lines are reserved, and nothing more after either. A line
 * answered again (a resent reservation) counts once.
 */
export function foldAnswer(answers: OrderAnswers, line: LineAnswer): OrderAnswers {
  if (answers.validation !== null) return answers.fresh ? { ...answers, fresh: false } : answers
  const base = {
    validationId: inventoryValidationId(line.orderId),
    orderId: line.orderId as OrderId,
    check: 'INVENTORY' as const,
    occurredAt: line.occurredAt,
  }
  if (!line.reserved) {
    return {
      reservedKeys: [],
      fresh: true,
      validation: {
        ...base,
        passed: false,
        reason: 'OUT_OF_STOCK',
        note: `out of stock: product ${line.productId} at warehouse ${line.warehouseId}: wanted ${line.wanted}, available ${line.available}`,
      },
    }
  }
  const reservedKeys = answers.reservedKeys.includes(line.stockKey)
    ? answers.reservedKeys
    : [...answers.reservedKeys, line.stockKey]
  if (reservedKeys.length < line.lineCount) return { reservedKeys, validation: null, fresh: false }
  return { reservedKeys: [], fresh: true, validation: { ...base, passed: true, reason: null, note: null } }
}
