/**
 * Error codes of the inventory application. The `COMMAND_*` and `STOCK_*` codes are also the reasons
 * its dead letters carry in `errorCode`, so an operator reads why a command was refused without our source.
 */
export const INVENTORY_ERROR_CODES = {
  /** A tombstone (null value) on the stock-commands topic: there is nothing to do. */
  COMMAND_EMPTY: 'OXA_INVENTORY_COMMAND_EMPTY',
  /** The record key is not the command's productId|warehouseId, or a quantity or line count is not above 0. */
  COMMAND_INVALID: 'OXA_INVENTORY_COMMAND_INVALID',
  /** An adjustment would leave fewer units on hand than are reserved (or fewer than none). */
  STOCK_BELOW_RESERVED: 'OXA_INVENTORY_STOCK_BELOW_RESERVED',
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_INVENTORY_INVALID_OPTIONS',
} as const

export type InventoryErrorCode = (typeof INVENTORY_ERROR_CODES)[keyof typeof INVENTORY_ERROR_CODES]

export interface InventoryErrorContext {
  readonly path?: string
  readonly topic?: string
  readonly stockKey?: string
  readonly commandId?: string
}

export class InventoryError extends Error {
  readonly code: InventoryErrorCode
  /** Whether trying again may help; validation and configuration errors never do. */
  readonly retriable: boolean
  readonly context: InventoryErrorContext

  constructor(
    code: InventoryErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: InventoryErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'InventoryError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}
