import {
  orderPageOf,
  resolveOrderListQuery,
  SINK_ERROR_CODES,
  SinkError,
  type ApplyResult,
  type CommerceStore,
  type ConflatedCommerce,
  type OrderLineView,
  type OrderListQuery,
  type OrderPage,
  type OrderState,
  type OrderView,
  type PaymentView,
} from '@oxagry/sink'
import { classifyPostgresError } from './errors.ts'
import type { SqlExecutor } from './executor.ts'
import { applyPostgresMigrations } from './migrations.ts'
import {
  commerceMigrations,
  commerceWriteSql,
  fromMs,
  ORDER_SELECT,
  PAYMENT_SELECT,
  type CommerceTables,
} from './commerce-sql.ts'

export interface PostgresCommerceOptions {
  readonly executor: SqlExecutor
  /** Table names (lowercase identifiers). Default `commerce_orders` and `commerce_payments`. */
  readonly tables?: Partial<CommerceTables>
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Checks table names spliced into SQL; throws INVALID_OPTIONS naming the option. */
export function checkTableNames<T extends Record<string, string>>(tables: T): T {
  for (const [key, name] of Object.entries(tables))
    if (!IDENTIFIER.test(name))
      throw new SinkError(
        SINK_ERROR_CODES.INVALID_OPTIONS,
        `/options/tables/${key} must be a lowercase identifier, got ${JSON.stringify(name)}`,
        { context: { path: `/options/tables/${key}` } },
      )
  return tables
}

interface OrderRecord {
  order_id: string
  customer_id: string
  state: string
  payment_state: string | null
  cancellation_reason: string | null
  note: string | null
  currency: string
  total_minor: number | string
  item_count: number
  lines: OrderLineView[] | null
  placed_at_ms: number | string
  updated_at_ms: number | string
  version: number | string
}

interface PaymentRecord {
  payment_id: string
  order_id: string
  state: string
  amount_minor: number | string
  currency: string
  method: string | null
  failure_reason: string | null
  refunded_minor: number | string
  created_at_ms: number | string
  updated_at_ms: number | string
  version: number | string
}

function toOrder(r: OrderRecord): OrderView {
  return {
    orderId: r.order_id,
    customerId: r.customer_id,
    state: r.state as OrderState,
    paymentState: r.payment_state,
    cancellationReason: r.cancellation_reason,
    note: r.note,
    currency: r.currency,
    totalMinor: Number(r.total_minor),
    itemCount: Number(r.item_count),
    lines: r.lines ?? [],
    placedAt: Math.round(Number(r.placed_at_ms)),
    updatedAt: Math.round(Number(r.updated_at_ms)),
    version: Number(r.version),
  }
}

function toPayment(r: PaymentRecord): PaymentView {
  return {
    paymentId: r.payment_id,
    orderId: r.order_id,
    state: r.state,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    method: r.method,
    failureReason: r.failure_reason,
    refundedMinor: Number(r.refunded_minor),
    createdAt: Math.round(Number(r.created_at_ms)),
    updatedAt: Math.round(Number(r.updated_at_ms)),
    version: Number(r.version),
  }
}

/**
 * Orders and payments in PostgreSQL (pg or PGlite): the sink's guarded upserts, one statement per
 * batch, and the commerce API's reads with keyset pagination.
 */
export class PostgresCommerceReadModel implements CommerceStore {
  readonly tables: CommerceTables
  private readonly executor: SqlExecutor
  private readonly writeSql: string

  constructor(options: PostgresCommerceOptions) {
    this.tables = checkTableNames({
      orders: options.tables?.orders ?? 'commerce_orders',
      payments: options.tables?.payments ?? 'commerce_payments',
    })
    this.executor = options.executor
    this.writeSql = commerceWriteSql(this.tables)
  }

  async migrate(): Promise<void> {
    await applyPostgresMigrations(
      this.executor,
      `commerce:${this.tables.orders}`,
      commerceMigrations(this.tables),
    )
  }

  async apply(batch: ConflatedCommerce): Promise<ApplyResult> {
    const changes =
      batch.orders.length +
      batch.deletedOrders.length +
      new Set(batch.paymentSteps.map((s) => s.paymentId)).size
    if (changes === 0) return { applied: 0, stale: 0 }
    const orders = batch.orders.map((r) => ({
      order_id: r.orderId,
      customer_id: r.customerId,
      state: r.state,
      payment_state: r.paymentState,
      cancellation_reason: r.cancellationReason,
      note: r.note,
      currency: r.currency,
      total_minor: r.totalMinor,
      item_count: r.itemCount,
      lines: r.lines,
      placed_at: r.placedAt,
      updated_at: r.updatedAt,
      version: r.version,
    }))
    const steps = batch.paymentSteps.map((s) => ({
      event_id: s.eventId,
      payment_id: s.paymentId,
      order_id: s.orderId,
      state: s.state,
      amount_minor: s.amountMinor,
      currency: s.currency,
      method: s.method,
      failure_reason: s.failureReason,
      refund_minor: s.refundMinor,
      occurred_at: s.occurredAt,
      position: s.position,
    }))
    try {
      const result = await this.executor.query<{ deleted: number; orders: number; payments: number }>(
        this.writeSql,
        [
          JSON.stringify(batch.deletedOrders.map((d) => ({ order_id: d.orderId, version: d.version }))),
          JSON.stringify(orders),
          JSON.stringify(steps),
        ],
      )
      const row = result.rows[0]
      const applied = (row?.deleted ?? 0) + (row?.orders ?? 0) + (row?.payments ?? 0)
      return { applied, stale: changes - applied }
    } catch (error) {
      throw classifyPostgresError(
        error,
        `writing ${orders.length} orders, ${batch.deletedOrders.length} deletions and ${steps.length} payment steps into ${this.tables.orders}/${this.tables.payments}`,
      )
    }
  }

  async getOrder(orderId: string): Promise<OrderView | undefined> {
    try {
      const result = await this.executor.query<OrderRecord>(
        `SELECT ${ORDER_SELECT} FROM ${this.tables.orders} WHERE order_id = $1 AND NOT deleted`,
        [orderId],
      )
      const row = result.rows[0]
      return row === undefined ? undefined : toOrder(row)
    } catch (error) {
      throw classifyPostgresError(error, `reading order ${orderId} from ${this.tables.orders}`)
    }
  }

  async listOrders(query?: OrderListQuery): Promise<OrderPage> {
    const q = resolveOrderListQuery(query)
    const where: string[] = ['NOT deleted']
    const params: unknown[] = []
    const param = (value: unknown): string => {
      params.push(value)
      return `$${params.length}`
    }
    if (q.customerId !== undefined) where.push(`customer_id = ${param(q.customerId)}`)
    if (q.state !== undefined) where.push(`state = ${param(q.state)}`)
    if (q.from !== undefined) where.push(`placed_at >= ${fromMs(`${param(q.from)}::bigint`)}`)
    if (q.to !== undefined) where.push(`placed_at < ${fromMs(`${param(q.to)}::bigint`)}`)
    if (q.after !== undefined) {
      const at = fromMs(`${param(q.after.placedAt)}::bigint`)
      where.push(`(placed_at < ${at} OR (placed_at = ${at} AND order_id > ${param(q.after.orderId)}))`)
    }
    const sql = `SELECT ${ORDER_SELECT} FROM ${this.tables.orders} WHERE ${where.join(' AND ')}
ORDER BY placed_at DESC, order_id LIMIT ${param(q.limit + 1)}`
    try {
      const result = await this.executor.query<OrderRecord>(sql, params)
      return orderPageOf(result.rows.map(toOrder), q.limit)
    } catch (error) {
      throw classifyPostgresError(error, `listing orders in ${this.tables.orders}`)
    }
  }

  async getPayment(paymentId: string): Promise<PaymentView | undefined> {
    try {
      const result = await this.executor.query<PaymentRecord>(
        `SELECT ${PAYMENT_SELECT} FROM ${this.tables.payments} WHERE payment_id = $1`,
        [paymentId],
      )
      const row = result.rows[0]
      return row === undefined ? undefined : toPayment(row)
    } catch (error) {
      throw classifyPostgresError(error, `reading payment ${paymentId} from ${this.tables.payments}`)
    }
  }

  async paymentsOfOrder(orderId: string): Promise<readonly PaymentView[]> {
    try {
      const result = await this.executor.query<PaymentRecord>(
        `SELECT ${PAYMENT_SELECT} FROM ${this.tables.payments} WHERE order_id = $1 ORDER BY created_at, payment_id`,
        [orderId],
      )
      return result.rows.map(toPayment)
    } catch (error) {
      throw classifyPostgresError(
        error,
        `reading the payments of order ${orderId} from ${this.tables.payments}`,
      )
    }
  }

  async close(): Promise<void> {
    await this.executor.close()
  }
}
