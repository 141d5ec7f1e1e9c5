import type { Notification, NotificationDelivery } from '@oxagry/avro'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'

/** Where a notification stands: in the outbox (one held for quiet hours is written there when they end), sent, or given up. */
export const NOTIFICATION_STATES = ['PENDING', 'SENT', 'FAILED'] as const
export type NotificationState = (typeof NOTIFICATION_STATES)[number]

/** One notification as its recipient sees it: what was said, on which channel, and what became of it. */
export interface NotificationView {
  readonly notificationId: string
  readonly recipientId: string
  readonly customerId: string | null
  readonly channel: string
  readonly template: string
  readonly subject: string
  readonly body: string
  readonly reference: string
  readonly occurredAt: number
  readonly createdAt: number
  readonly heldUntil: number | null
  readonly state: NotificationState
  /** When it was sent or given up. */
  readonly deliveredAt: number | null
  readonly failureReason: string | null
}

export interface NotificationQuery {
  readonly customerId: string
  /** 1 to 200; default 50. */
  readonly limit?: number
  /** `nextCursor` of the previous page. */
  readonly cursor?: string
}

export interface NotificationPage {
  /** Newest first (by when rendered), then notificationId. */
  readonly items: readonly NotificationView[]
  readonly nextCursor?: string
}

/** A customer's notifications, read by the commerce API. */
export interface NotificationReadModel {
  customerNotifications(query: NotificationQuery): Promise<NotificationPage>
}

interface Cursor {
  readonly createdAt: number
  readonly notificationId: string
}

export function encodeNotificationCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, n: cursor.notificationId })).toString('base64url')
}

/** Only what encodeNotificationCursor made: it must encode back to itself. */
export function decodeNotificationCursor(cursor: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      c?: unknown
      n?: unknown
    }
    const { c: createdAt, n: notificationId } = parsed
    if (
      Number.isSafeInteger(createdAt) &&
      typeof notificationId === 'string' &&
      encodeNotificationCursor({ createdAt: createdAt as number, notificationId }) === cursor
    )
      return { createdAt: createdAt as number, notificationId }
  } catch {
    // Falls through to the error below.
  }
  throw new SinkError(SINK_ERROR_CODES.INVALID_QUERY, '/query/cursor is not a cursor this API returned', {
    context: { path: '/query/cursor' },
  })
}

/** Newest first, ties by id: the order pages are cut in. */
function before(a: NotificationView, b: Cursor): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.notificationId > b.notificationId)
}

export interface MemoryNotificationViewOptions {
  /** The newest notifications kept per customer; older ones are forgotten. Default 500. */
  readonly perCustomer?: number
}

/**
 * The customers' notifications in memory, folded from the outbox and the deliveries topics as a live
 * view follows them (a delivery may arrive first: it waits for its notification). Bounded per customer;
 * operators' notifications are not kept (no customer reads them).
 */
export class MemoryNotificationView implements NotificationReadModel {
  private readonly byCustomer = new Map<string, NotificationView[]>()
  private readonly byId = new Map<string, NotificationView>()
  private readonly early = new Map<string, NotificationDelivery>()
  private readonly perCustomer: number

  constructor(options: MemoryNotificationViewOptions = {}) {
    this.perCustomer = options.perCustomer ?? 500
  }

  applyNotification(n: Notification): void {
    if (n.customerId === null || this.byId.has(n.notificationId)) return
    let view: NotificationView = {
      notificationId: n.notificationId,
      recipientId: n.recipientId,
      customerId: n.customerId,
      channel: n.channel,
      template: n.template,
      subject: n.subject,
      body: n.body,
      reference: n.reference,
      occurredAt: n.occurredAt,
      createdAt: n.createdAt,
      heldUntil: n.heldUntil,
      state: 'PENDING',
      deliveredAt: null,
      failureReason: null,
    }
    const delivery = this.early.get(n.notificationId)
    if (delivery !== undefined) {
      this.early.delete(n.notificationId)
      view = withDelivery(view, delivery)
    }
    const list = this.byCustomer.get(n.customerId) ?? []
    // Insert in order (newest first): notifications mostly arrive in order, so from the front.
    let i = 0
    while (i < list.length && !before(list[i]!, view)) i++
    list.splice(i, 0, view)
    for (const old of list.splice(this.perCustomer)) this.byId.delete(old.notificationId)
    this.byCustomer.set(n.customerId, list)
    this.byId.set(n.notificationId, view)
  }

  applyDelivery(d: NotificationDelivery): void {
    const view = this.byId.get(d.notificationId)
    if (view === undefined) {
      // Bounded too: a delivery of an operator's notification never finds one.
      if (this.early.size >= 10_000) this.early.delete(this.early.keys().next().value!)
      this.early.set(d.notificationId, d)
      return
    }
    const next = withDelivery(view, d)
    this.byId.set(d.notificationId, next)
    const list = this.byCustomer.get(view.customerId!)!
    list[list.indexOf(view)] = next
  }

  async customerNotifications(query: NotificationQuery): Promise<NotificationPage> {
    const limit = query.limit ?? 50
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new SinkError(SINK_ERROR_CODES.INVALID_QUERY, `/query/limit must be 1 to 200, got ${limit}`, {
        context: { path: '/query/limit' },
      })
    const after = query.cursor === undefined ? undefined : decodeNotificationCursor(query.cursor)
    const list = this.byCustomer.get(query.customerId) ?? []
    const from = after === undefined ? list : list.filter((v) => before(v, after))
    const items = from.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items,
      ...(from.length > limit && last !== undefined
        ? {
            nextCursor: encodeNotificationCursor({
              createdAt: last.createdAt,
              notificationId: last.notificationId,
            }),
          }
        : {}),
    }
  }
}

/** A delivery's outcome on the view: a SENT never goes back to FAILED (a later duplicate outcome). */
function withDelivery(view: NotificationView, d: NotificationDelivery): NotificationView {
  if (view.state === 'SENT') return view
  const state: NotificationState = d.status === 'SENT' ? 'SENT' : 'FAILED'
  return { ...view, state, deliveredAt: d.at, failureReason: state === 'FAILED' ? d.reason : null }
}
