import {
  nameUuid,
  paymentId as toPaymentId,
  type OrderCommand,
  type OrderEvent,
  type OrderPlaced,
  type OrderValidation,
  type PaymentEvent,
  type Product,
} from '@oxagry/avro'
import { decide, decideAtDeadline, type Verdict } from './decision.ts'
import { checkDetails, placedDigest } from './details.ts'
import { CHECKS, emptyOrder, type Check, type OrderRecord } from './order.ts'
import type { OrdersTimeouts } from './options.ts'
import {
  cancelledEvent,
  orderEvent,
  paymentCommand,
  status,
  stockCommand,
  type OrderOutput,
} from './outputs.ts'

export type { OrderOutput } from './outputs.ts'

/** What reaches the order processor, from the four co-partitioned topics it reads. */
export type OrderInput =
  | { readonly kind: 'event'; readonly value: OrderEvent }
  | { readonly kind: 'command'; readonly value: OrderCommand }
  | { readonly kind: 'validation'; readonly value: OrderValidation }
  | { readonly kind: 'payment'; readonly value: PaymentEvent }

/** Why an input changed nothing: counted and logged by the processor, never silent. */
export type Ignored =
  | 'retried checkout'
  | 'idempotency key reused with another body'
  | 'answer after the decision'
  | 'command not allowed in this state'
  | 'payment step of an unknown order'

export interface Step {
  /** The order to store; undefined when nothing changed. */
  readonly order?: OrderRecord
  readonly outputs: readonly OrderOutput[]
  readonly ignored?: Ignored
  /** The order's decision, when this step made it. */
  readonly decided?: 'CONFIRMED' | 'CANCELLED'
}

export interface StepContext {
  /** The input record's timestamp (event time); outputs carry it, so a replay writes the same. */
  readonly at: number
  /** Wall clock, for deadlines. */
  readonly now: number
  readonly timeouts: OrdersTimeouts
  product(id: string): Product | undefined
}

const NOTHING: Step = { outputs: [] }

/** One input applied to an order (undefined: none stored yet). Pure: the processor stores and forwards. */
export function applyInput(order: OrderRecord | undefined, input: OrderInput, ctx: StepContext): Step {
  switch (input.kind) {
    case 'event':
      return onOrderEvent(order, input.value, ctx)
    case 'validation':
      return onValidation(order, input.value, ctx)
    case 'payment':
      return onPaymentEvent(order, input.value, ctx)
    case 'command':
      return onCommand(order, input.value, ctx)
  }
}

/** What the order's status says, once, when its idempotency key came again with another body. */
export const DUPLICATE_NOTE =
  'a second checkout with this idempotency key and another body was refused (INVALID_ORDER); the order keeps its first body'

/**
 * A second OrderPlaced for the order with another body (the client reused its idempotency key): refused,
 * the order unchanged but for its note, so the order's resource shows why the second checkout did not
 * happen. Said once: a third such checkout changes nothing more.
 */
function refusedDuplicate(order: OrderRecord, ctx: StepContext): Step {
  const ignored = 'idempotency key reused with another body'
  if (order.note?.includes(DUPLICATE_NOTE) === true) return { ...NOTHING, ignored }
  const noted: OrderRecord = {
    ...order,
    note: order.note === null ? DUPLICATE_NOTE : `${order.note}; ${DUPLICATE_NOTE}`,
    updatedAt: ctx.at,
    version: order.version + 1,
  }
  return { order: noted, outputs: [status(noted)], ignored }
}

/** The deadlines of an undecided order, looked at on the wall clock. */
export function applyDeadline(order: OrderRecord, ctx: StepContext): Step {
  const decision = decideAtDeadline(order, ctx.now)
  return decision === undefined ? NOTHING : settle(order, decision, ctx)
}

function onOrderEvent(order: OrderRecord | undefined, event: OrderEvent, ctx: StepContext): Step {
  const placed: OrderPlaced | undefined =
    'dev.oxagry.orders.OrderPlaced' in event.payload
      ? event.payload['dev.oxagry.orders.OrderPlaced']
      : undefined
  // The application's own decisions, read back from the topic they share with OrderPlaced.
  if (placed === undefined) return NOTHING
  const digest = placedDigest(placed.customerId, placed)
  if (order?.placed !== undefined) {
    if (order.placed.digest === digest) return { ...NOTHING, ignored: 'retried checkout' }
    return refusedDuplicate(order, ctx)
  }
  const base = order ?? emptyOrder(event.orderId, ctx.at)
  const details = checkDetails(placed, ctx.product)
  const totalMinor = details.valid
    ? details.totalMinor
    : placed.items.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0)
  const started: OrderRecord = {
    ...base,
    placed: {
      customerId: placed.customerId,
      currency: placed.currency,
      totalMinor: Number.isSafeInteger(totalMinor) ? totalMinor : 0,
      itemCount: placed.items.length,
      placedAt: event.occurredAt,
      digest,
      lines: details.valid ? details.lines : [],
    },
    state: 'PLACED',
    updatedAt: ctx.at,
    version: base.version + 1,
  }
  if (!details.valid)
    return settle(started, { kind: 'cancel', reason: 'INVALID_ORDER', note: details.note }, ctx)
  const expiresAt = ctx.now + ctx.timeouts.reservationTtlMs
  const payment = toPaymentId(nameUuid(`payment:${event.orderId}:1`))
  const waiting: OrderRecord = {
    ...started,
    deadlines: {
      validationAt: ctx.now + ctx.timeouts.validationTimeoutMs,
      paymentAt: ctx.now + ctx.timeouts.paymentDeadlineMs,
    },
    reservationsRequested: true,
    paymentId: payment,
    paymentState: 'REQUESTED',
  }
  const outputs: OrderOutput[] = details.lines.map((line) =>
    stockCommand(waiting, line, ctx.at, 'reserve', {
      'dev.oxagry.inventory.ReserveStock': {
        orderId: waiting.orderId,
        quantity: line.quantity,
        lineCount: details.lines.length,
        expiresAt,
      },
    }),
  )
  outputs.push(
    paymentCommand(waiting, ctx.at, 'authorise', {
      'dev.oxagry.payments.AuthorisePayment': {
        amountMinor: details.totalMinor,
        currency: placed.currency,
        customerId: placed.customerId,
      },
    }),
  )
  // Answers that came before the order itself are applied now.
  const step = evaluate(waiting, ctx)
  return { ...step, outputs: [...outputs, ...step.outputs] }
}

function onValidation(order: OrderRecord | undefined, v: OrderValidation, ctx: StepContext): Step {
  if (!(v.check in CHECKS)) return NOTHING
  const check = v.check as Check
  const base = order ?? emptyOrder(v.orderId, ctx.at)
  if (base.state !== 'PLACED' && base.state !== 'AWAITING_ORDER')
    return { ...NOTHING, ignored: 'answer after the decision' }
  if (base.checks[check] !== undefined) return NOTHING
  const answered: OrderRecord = {
    ...base,
    checks: { ...base.checks, [check]: { passed: v.passed, reason: v.reason, note: v.note } },
  }
  // Kept until the order arrives; no status is written for an order nobody placed yet.
  if (answered.state === 'AWAITING_ORDER') return { order: answered, outputs: [] }
  return evaluate({ ...answered, updatedAt: ctx.at, version: answered.version + 1 }, ctx)
}

/** Decides when the answers allow it; otherwise stores the order and writes its status. */
function evaluate(order: OrderRecord, ctx: StepContext): Step {
  const decision = decide(order)
  if (decision.kind === 'wait') return { order, outputs: [status(order)] }
  return settle(order, decision, ctx)
}

function onPaymentEvent(order: OrderRecord | undefined, e: PaymentEvent, ctx: StepContext): Step {
  if (order?.placed === undefined) return { ...NOTHING, ignored: 'payment step of an unknown order' }
  const p = e.payload
  const paymentState =
    'dev.oxagry.payments.PaymentRequested' in p
      ? 'REQUESTED'
      : 'dev.oxagry.payments.PaymentAuthorised' in p
        ? 'AUTHORISED'
        : 'dev.oxagry.payments.PaymentCaptured' in p
          ? 'CAPTURED'
          : 'dev.oxagry.payments.PaymentFailed' in p
            ? 'FAILED'
            : 'dev.oxagry.payments.PaymentRefunded' in p
              ? 'REFUNDED'
              : 'VOIDED'
  // A hold voided or refunded stays so; a late step of the provider does not move it back.
  const final = order.paymentState === 'VOIDED' || order.paymentState === 'REFUNDED'
  const next: OrderRecord = {
    ...order,
    paymentState: final && paymentState !== 'REFUNDED' ? order.paymentState : paymentState,
    updatedAt: ctx.at,
    version: order.version + 1,
  }
  if (paymentState === 'CAPTURED' && order.state === 'CONFIRMED' && order.deliveredAt !== null) {
    const completed: OrderRecord = { ...next, state: 'COMPLETED' }
    return {
      order: completed,
      outputs: [
        orderEvent(completed, ctx.at, 'completed', {
          'dev.oxagry.orders.OrderCompleted': { deliveredAt: order.deliveredAt },
        }),
        status(completed),
      ],
    }
  }
  return { order: next, outputs: [status(next)] }
}

function onCommand(order: OrderRecord | undefined, c: OrderCommand, ctx: StepContext): Step {
  const refused: Step = { ...NOTHING, ignored: 'command not allowed in this state' }
  if (order?.placed === undefined) return refused
  const p = c.payload
  if ('dev.oxagry.orders.CancelOrder' in p) {
    const note = p['dev.oxagry.orders.CancelOrder'].note
    if (order.state === 'PLACED')
      return settle(order, { kind: 'cancel', reason: 'CUSTOMER_REQUEST', note }, ctx)
    if (order.state === 'CONFIRMED' && order.deliveredAt === null) {
      const cancelled = bump(
        { ...order, state: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST', note },
        ctx,
      )
      return {
        order: cancelled,
        outputs: [cancelledEvent(cancelled, ctx.at), ...compensations(cancelled, ctx), status(cancelled)],
        decided: 'CANCELLED',
      }
    }
    return refused
  }
  if ('dev.oxagry.orders.ReportDelivery' in p) {
    if (order.state !== 'CONFIRMED' || order.deliveredAt !== null) return refused
    const delivered = bump({ ...order, deliveredAt: p['dev.oxagry.orders.ReportDelivery'].deliveredAt }, ctx)
    const outputs: OrderOutput[] = (order.placed.lines ?? []).map((line) =>
      stockCommand(delivered, line, ctx.at, 'fulfil', {
        'dev.oxagry.inventory.ReleaseReservation': { orderId: order.orderId, reason: 'FULFILLED' },
      }),
    )
    outputs.push(
      paymentCommand(delivered, ctx.at, 'capture', {
        'dev.oxagry.payments.CapturePayment': {
          amountMinor: order.placed.totalMinor,
          currency: order.placed.currency,
        },
      }),
      status(delivered),
    )
    return { order: delivered, outputs }
  }
  const refund = p['dev.oxagry.orders.RefundOrder']
  if (order.state !== 'COMPLETED' || order.paymentState !== 'CAPTURED') return refused
  const refunding = bump({ ...order, note: refund.reason }, ctx)
  return {
    order: refunding,
    outputs: [
      paymentCommand(refunding, ctx.at, 'refund', {
        'dev.oxagry.payments.RefundPayment': {
          amountMinor: order.placed.totalMinor,
          currency: order.placed.currency,
          reason: refund.reason,
        },
      }),
      status(refunding),
    ],
  }
}

/** The decision, exactly once: the order leaves PLACED here and never comes back. */
function settle(order: OrderRecord, decision: Verdict, ctx: StepContext): Step {
  if (decision.kind === 'confirm') {
    const confirmed = bump({ ...order, state: 'CONFIRMED' }, ctx)
    const outputs: OrderOutput[] = [
      orderEvent(confirmed, ctx.at, 'confirmed', {
        'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null },
      }),
      ...(order.placed?.lines ?? []).map((line) =>
        stockCommand(confirmed, line, ctx.at, 'confirm', {
          'dev.oxagry.inventory.ConfirmReservation': { orderId: order.orderId },
        }),
      ),
      status(confirmed),
    ]
    return { order: confirmed, outputs, decided: 'CONFIRMED' }
  }
  const cancelled = bump(
    { ...order, state: 'CANCELLED', cancellationReason: decision.reason, note: decision.note },
    ctx,
  )
  return {
    order: cancelled,
    outputs: [cancelledEvent(cancelled, ctx.at), ...compensations(cancelled, ctx), status(cancelled)],
    decided: 'CANCELLED',
  }
}

/** Undoes what a cancelled order asked for: its reservations released, its payment voided. */
function compensations(order: OrderRecord, ctx: StepContext): OrderOutput[] {
  const outputs: OrderOutput[] = []
  if (order.reservationsRequested)
    for (const line of order.placed?.lines ?? [])
      outputs.push(
        stockCommand(order, line, ctx.at, 'release', {
          'dev.oxagry.inventory.ReleaseReservation': { orderId: order.orderId, reason: 'ORDER_CANCELLED' },
        }),
      )
  // A declined payment holds nothing; any other requested payment may hold the amount, or soon will
  // (the gateway carries out an order's commands in order, so the void follows the authorisation).
  const declined = order.checks.PAYMENT?.passed === false
  if (order.paymentId !== null && order.placed !== undefined && !declined)
    outputs.push(
      paymentCommand(order, ctx.at, 'void', {
        'dev.oxagry.payments.VoidPayment': {
          amountMinor: order.placed.totalMinor,
          currency: order.placed.currency,
        },
      }),
    )
  return outputs
}

function bump(order: OrderRecord, ctx: StepContext): OrderRecord {
  return { ...order, updatedAt: ctx.at, version: order.version + 1 }
}
