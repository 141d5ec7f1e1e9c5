import type { BookingEvent } from '@oxagry/avro'
import { ApiError } from '@oxagry/api-http'

/** Where a booking stands, as the API shows it. */
export const BOOKING_STATES = ['REQUESTED', 'ASSIGNED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'DONE'] as const
export type BookingState = (typeof BOOKING_STATES)[number]

/** How far the booked machine got on the day. */
export const BOOKING_PROGRESS = ['BOOKED', 'EN_ROUTE', 'ARRIVED', 'WORKING', 'DONE'] as const
export type BookingProgress = (typeof BOOKING_PROGRESS)[number]

/** A booking folded from its events. */
export interface BookingView {
  readonly bookingId: string
  readonly customerId: string
  readonly machineType: string
  readonly fieldId: string
  readonly startsAt: number
  readonly endsAt: number
  readonly days: number
  readonly state: BookingState
  readonly machineId: string | null
  readonly orderId: string | null
  readonly amountMinor: number | null
  readonly currency: string | null
  readonly progress: BookingProgress | null
  /** When the machine was reported late (the MachineLate alert), if it was. */
  readonly lateAt: number | null
  /** Why it was rejected or cancelled. */
  readonly note: string | null
  readonly requestedAt: number
  readonly updatedAt: number
}

export interface BookingPage {
  readonly items: readonly BookingView[]
  readonly nextCursor?: string
}

export interface BookingQuery {
  readonly customerId?: string
  readonly machineId?: string
  readonly state?: BookingState
  readonly limit: number
  readonly cursor?: string
}

/** What the bookings routes read. */
export interface BookingReadModel {
  getBooking(bookingId: string): Promise<BookingView | undefined>
  /** Newest request first. */
  listBookings(query: BookingQuery): Promise<BookingPage>
  /** The machine's bookings that hold it (assigned or confirmed, not over) overlapping [from, to). */
  machineCalendar(machineId: string, from: number, to: number): Promise<readonly BookingView[]>
}

/** Holding the machine: what its calendar shows. */
const HOLDING: ReadonlySet<BookingState> = new Set(['ASSIGNED', 'CONFIRMED'])

/**
 * The bookings view in memory, folded from `bookings.booking-events.v1`: every API instance follows the
 * topic from its start (as it follows the order statuses for the live feed), so it needs no database
 * and reads its own writes as soon as the bookings application answered. Bookings are few next to
 * orders (a machine has at most one a day); a database-backed view is the step when that stops holding.
 */
export class BookingsView implements BookingReadModel {
  private readonly bookings = new Map<string, BookingView>()
  /** Event ids folded, so a record read twice (a follower's restart) changes nothing. */
  private readonly seen = new Set<string>()
  /** The bookings each machine was ever assigned, for the machine's booking of the moment. */
  private readonly byMachine = new Map<string, Set<string>>()

  /** Folds one event in. Steps of a booking not requested yet (read mid-history) are dropped. */
  apply(event: BookingEvent): void {
    if (this.seen.has(event.eventId)) return
    this.seen.add(event.eventId)
    const [branch, payload] = Object.entries(event.payload)[0] as [string, Record<string, unknown>]
    const step = branch.split('.').pop()
    const at = event.occurredAt
    if (step === 'BookingRequested') {
      if (this.bookings.has(event.bookingId)) return
      this.bookings.set(event.bookingId, {
        bookingId: event.bookingId,
        customerId: payload.customerId as string,
        machineType: payload.machineType as string,
        fieldId: payload.fieldId as string,
        startsAt: payload.startsAt as number,
        endsAt: payload.endsAt as number,
        days: payload.days as number,
        state: 'REQUESTED',
        machineId: null,
        orderId: null,
        amountMinor: null,
        currency: null,
        progress: null,
        lateAt: null,
        note: null,
        requestedAt: at,
        updatedAt: at,
      })
      return
    }
    const before = this.bookings.get(event.bookingId)
    if (before === undefined) return
    const next = (change: Partial<BookingView>): void => {
      this.bookings.set(event.bookingId, { ...before, ...change, updatedAt: Math.max(before.updatedAt, at) })
    }
    switch (step) {
      case 'MachineAssigned': {
        const machineId = payload.machineId as string
        const ids = this.byMachine.get(machineId) ?? new Set<string>()
        ids.add(event.bookingId)
        this.byMachine.set(machineId, ids)
        return next({
          state: 'ASSIGNED',
          machineId: payload.machineId as string,
          orderId: payload.orderId as string,
          amountMinor: payload.amountMinor as number,
          currency: payload.currency as string,
        })
      }
      case 'BookingConfirmed':
        return next({ state: 'CONFIRMED', progress: 'BOOKED' })
      case 'BookingRejected':
        return next({
          state: 'REJECTED',
          note: (payload.note as string | null) ?? (payload.reason as string),
        })
      case 'BookingCancelled':
        return next({ state: 'CANCELLED', note: (payload.note as string | null) ?? null })
      case 'MachineEnRoute':
        return next({ progress: 'EN_ROUTE' })
      case 'MachineArrived':
        return next({ progress: 'ARRIVED' })
      case 'WorkStarted':
        return next({ progress: 'WORKING' })
      case 'BookingDone':
        return next({ state: 'DONE', progress: 'DONE' })
      case 'MachineLate':
        return next({ lateAt: at })
      default:
        return undefined
    }
  }

  /**
   * The machine's booking of the moment: of those holding it and not over at `now`, the one that starts
   * first (today's while it runs, else the next). Undefined when it has none.
   */
  machineBooking(machineId: string, now: number): BookingView | undefined {
    let current: BookingView | undefined
    for (const id of this.byMachine.get(machineId) ?? []) {
      const b = this.bookings.get(id)
      if (b === undefined || b.machineId !== machineId || !HOLDING.has(b.state) || b.endsAt <= now) continue
      if (current === undefined || b.startsAt < current.startsAt) current = b
    }
    return current
  }

  get size(): number {
    return this.bookings.size
  }

  async getBooking(bookingId: string): Promise<BookingView | undefined> {
    return this.bookings.get(bookingId)
  }

  async listBookings(query: BookingQuery): Promise<BookingPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    const matching = [...this.bookings.values()]
      .filter(
        (b) =>
          (query.customerId === undefined || b.customerId === query.customerId) &&
          (query.machineId === undefined || b.machineId === query.machineId) &&
          (query.state === undefined || b.state === query.state),
      )
      .sort(newestFirst)
      .filter((b) => after === undefined || newestFirst(b, after) > 0)
    const items = matching.slice(0, query.limit)
    const last = items[items.length - 1]
    return matching.length > query.limit && last !== undefined
      ? { items, nextCursor: encodeCursor(last) }
      : { items }
  }

  async machineCalendar(machineId: string, from: number, to: number): Promise<readonly BookingView[]> {
    return [...this.bookings.values()]
      .filter((b) => b.machineId === machineId && HOLDING.has(b.state) && b.startsAt < to && from < b.endsAt)
      .sort((a, b) => a.startsAt - b.startsAt)
  }
}

type Position = Pick<BookingView, 'requestedAt' | 'bookingId'>

const newestFirst = (a: Position, b: Position): number =>
  b.requestedAt - a.requestedAt || (a.bookingId < b.bookingId ? -1 : a.bookingId > b.bookingId ? 1 : 0)

/** The cursor: the last item's position, opaque to clients. */
const encodeCursor = (b: Position): string =>
  Buffer.from(JSON.stringify([b.requestedAt, b.bookingId])).toString('base64url')

/** Only what `encodeCursor` makes (it must encode back to itself); anything else is a 400 naming it. */
function decodeCursor(cursor: string): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      const position = { requestedAt: parsed[0], bookingId: parsed[1] }
      if (encodeCursor(position) === cursor) return position
    }
  } catch {
    // falls through to the error below
  }
  throw new ApiError('OXA_API_BAD_REQUEST', 'querystring/cursor is not a cursor this API returned')
}
