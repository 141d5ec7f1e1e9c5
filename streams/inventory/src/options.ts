import type { DeadLetter, OrderValidation, Product, StockCommand, StockEvent, StockLevel } from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { INVENTORY_ERROR_CODES, InventoryError } from './errors.ts'

/** The topics the application reads and writes. */
export interface InventoryTopics {
  readonly commands: string
  readonly products: string
  readonly events: string
  readonly levels: string
  readonly validations: string
  readonly deadLetters: string
}

export const DEFAULT_INVENTORY_TOPICS: InventoryTopics = Object.freeze({
  commands: TOPICS.stockCommands.name,
  products: TOPICS.products.name,
  events: TOPICS.stockEvents.name,
  levels: TOPICS.stockLevels.name,
  validations: TOPICS.orderValidations.name,
  deadLetters: TOPICS.inventoryDeadLetters.name,
})

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface InventorySerdes {
  readonly command: Serde<StockCommand>
  readonly product: Serde<Product>
  readonly event: Serde<StockEvent>
  readonly level: Serde<StockLevel>
  readonly validation: Serde<OrderValidation>
  readonly deadLetter: Serde<DeadLetter>
}

export interface ExpiryOptions {
  /** How often (wall clock) reservations past their `expiresAt` are released; ms, default 1000. */
  readonly punctuationIntervalMs?: number
}

export interface InventoryOptions {
  readonly serdes: InventorySerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<InventoryTopics>
  readonly expiry?: ExpiryOptions
}

export interface ResolvedInventoryOptions {
  readonly serdes: InventorySerdes
  readonly topics: InventoryTopics
  readonly expiry: Required<ExpiryOptions>
}

export const DEFAULT_EXPIRY: Required<ExpiryOptions> = Object.freeze({ punctuationIntervalMs: 1000 })

const SERDES = ['command', 'product', 'event', 'level', 'validation', 'deadLetter'] as const
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Every problem of the options, each naming its path; empty when they are fine. */
function problemsOf(options: unknown): string[] {
  if (!isObject(options)) return ['/options must be an object']
  const problems: string[] = []
  for (const key of Object.keys(options))
    if (!['serdes', 'topics', 'expiry'].includes(key)) problems.push(`/options/${key} is not an option`)
  const serdes = options.serdes
  if (!isObject(serdes)) problems.push('/options/serdes must be an object')
  else
    for (const k of SERDES) {
      const serde = serdes[k]
      if (
        !isObject(serde) ||
        typeof serde.serialize !== 'function' ||
        typeof serde.deserialize !== 'function'
      )
        problems.push(`/options/serdes/${k} must be a Serde`)
    }
  if (options.topics !== undefined) {
    if (!isObject(options.topics)) problems.push('/options/topics must be an object')
    else
      for (const [k, v] of Object.entries(options.topics)) {
        if (!(k in DEFAULT_INVENTORY_TOPICS)) problems.push(`/options/topics/${k} is not an option`)
        else if (typeof v !== 'string' || !TOPIC_NAME.test(v))
          problems.push(`/options/topics/${k} must be a topic name (letters, digits, ".", "_", "-")`)
      }
  }
  if (options.expiry !== undefined) {
    if (!isObject(options.expiry)) problems.push('/options/expiry must be an object')
    else
      for (const [k, v] of Object.entries(options.expiry)) {
        if (k !== 'punctuationIntervalMs') problems.push(`/options/expiry/${k} is not an option`)
        else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
          problems.push('/options/expiry/punctuationIntervalMs must be an integer >= 1')
      }
  }
  return problems
}

/** Validates once, at the boundary, and fills in the defaults. */
export function resolveInventoryOptions(options: InventoryOptions): ResolvedInventoryOptions {
  const problems = problemsOf(options)
  if (problems.length === 0) {
    const names = Object.values({ ...DEFAULT_INVENTORY_TOPICS, ...options.topics })
    if (new Set(names).size !== names.length)
      problems.push(`/options/topics must name ${names.length} different topics, got ${names.join(', ')}`)
  }
  if (problems.length > 0)
    throw new InventoryError(
      INVENTORY_ERROR_CODES.INVALID_OPTIONS,
      `invalid inventory options:\n  ${problems.join('\n  ')}`,
      { context: { path: problems[0]?.split(' ')[0] ?? '/options' } },
    )
  return {
    serdes: options.serdes,
    topics: { ...DEFAULT_INVENTORY_TOPICS, ...options.topics },
    expiry: { ...DEFAULT_EXPIRY, ...options.expiry },
  }
}
