import { randomUUID } from 'node:crypto'
import {
  bookingId as toBookingId,
  customerId as toCustomerId,
  geofenceId as toGeofenceId,
  nameUuid,
  type MachineType,
} from '@oxagry/avro'
import { COMMERCE_SCOPES, customerScope, requireCustomer } from '@oxagry/api-auth'
import { ApiError } from '@oxagry/api-http'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  BOOKING_STATES,
  type BookingReadModel,
  type BookingState,
  type BookingView,
} from '../bookings/view.ts'
import { bodyDigest } from '../idempotency.ts'
import type { CommerceRouteOptions } from '../options.ts'
import { acceptedSchema, errors, IDEMPOTENCY_KEY, idParams, TOKEN_ID } from '../schemas.ts'

const DAY = 86_400_000
/** The longest booking: a month of days. */
export const MAX_BOOKING_DAYS = 31
/** Machine types a farmer can book (the contract's, without OTHER). */
export const BOOKABLE_TYPES: readonly MachineType[] = ['TRACTOR', 'COMBINE', 'SPRAYER', 'SEED_DRILL']

export interface BookingRouteOptions extends CommerceRouteOptions {
  readonly bookings: BookingReadModel
}

interface RequestBody {
  customerId?: string
  machineType: MachineType
  fieldId: string
  startDate: string
  endDate: string
  startTime: string
}

const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

/** A booking as the API answers it: times as ISO 8601. */
export function bookingJson(b: BookingView): Record<string, unknown> {
  return {
    ...b,
    startsAt: iso(b.startsAt),
    endsAt: iso(b.endsAt),
    lateAt: isoOrNull(b.lateAt),
    requestedAt: iso(b.requestedAt),
    updatedAt: iso(b.updatedAt),
  }
}

const bookingSchema = {
  type: 'object',
  required: ['bookingId', 'customerId', 'machineType', 'fieldId', 'startsAt', 'endsAt', 'days', 'state'],
  properties: {
    bookingId: { type: 'string' },
    customerId: { type: 'string' },
    machineType: { type: 'string' },
    fieldId: { type: 'string' },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    days: { type: 'integer' },
    state: { type: 'string', enum: [...BOOKING_STATES] },
    machineId: { type: ['string', 'null'] },
    orderId: { type: ['string', 'null'] },
    amountMinor: { type: ['integer', 'null'] },
    currency: { type: ['string', 'null'] },
    progress: { type: ['string', 'null'] },
    lateAt: { type: ['string', 'null'], format: 'date-time' },
    note: { type: ['string', 'null'] },
    requestedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const

/** The booking id of a request: the same customer and key always make the same id, so retries agree. */
export function bookingIdFor(customerId: string, idempotencyKey: string): string {
  return nameUuid(`booking:${customerId}:${idempotencyKey}`)
}

/** The booking, or 404; a customer's token sees its own bookings only. */
async function visibleBooking(
  bookings: BookingReadModel,
  request: FastifyRequest,
  id: string,
): Promise<BookingView> {
  const booking = await bookings.getBooking(id)
  const own = customerScope(request)
  if (booking === undefined || (own !== null && booking.customerId !== own))
    throw new ApiError('OXA_API_NOT_FOUND', `booking ${id} not found`)
  return booking
}

/**
 * The booked span from the request's dates: from the start time on the first day to the end of the
 * last (UTC), and the days charged. Bad ranges are 400s naming the field.
 */
export function bookedSpan(
  body: Pick<RequestBody, 'startDate' | 'endDate' | 'startTime'>,
  now: number,
): { startsAt: number; endsAt: number; days: number } {
  const first = Date.parse(`${body.startDate}T00:00:00Z`)
  const last = Date.parse(`${body.endDate}T00:00:00Z`)
  const [hours, minutes] = body.startTime.split(':').map(Number) as [number, number]
  const startsAt = first + (hours * 60 + minutes) * 60_000
  if (last < first)
    throw new ApiError('OXA_API_BAD_REQUEST', 'body/endDate must not be before body/startDate')
  const days = Math.round((last - first) / DAY) + 1
  if (days > MAX_BOOKING_DAYS)
    throw new ApiError('OXA_API_BAD_REQUEST', `body/endDate: a booking is at most ${MAX_BOOKING_DAYS} days`)
  if (startsAt <= now)
    throw new ApiError('OXA_API_BAD_REQUEST', 'body/startDate: the booking must start in the future')
  return { startsAt, endsAt: last + DAY, days }
}

/** Bookings of machines: request, read, list, cancel; and a machine's calendar. */
export async function bookingsRoutes(app: FastifyInstance, options: BookingRouteOptions): Promise<void> {
  const { bookings } = options
  app.post<{ Body: RequestBody; Headers: { 'idempotency-key': string } }>(
    '/bookings',
    {
      config: { scopes: [COMMERCE_SCOPES.write] },
      schema: {
        summary: 'Book a machine of a type for a field and days; 202 once the request is in the event log',
        description:
          'The bookings application assigns a free machine of the type (never one booked on any of those days) ' +
          'and places the rental as an order, paid through the commerce flow: the booking is CONFIRMED once ' +
          'the order is, REJECTED when no machine is free or the order is cancelled. Dates are UTC calendar ' +
          'days, both included; `startTime` (UTC, default 07:00) is when the machine is due in the field on ' +
          'the first day. The booking id is derived from the customer and the `Idempotency-Key`.',
        tags: ['bookings'],
        headers: {
          type: 'object',
          required: ['idempotency-key'],
          properties: { 'idempotency-key': IDEMPOTENCY_KEY },
        },
        body: {
          type: 'object',
          required: ['machineType', 'fieldId', 'startDate', 'endDate'],
          additionalProperties: false,
          properties: {
            customerId: {
              ...TOKEN_ID,
              description: "required with a token that names no customer (an operator's)",
            },
            machineType: { type: 'string', enum: [...BOOKABLE_TYPES] },
            fieldId: TOKEN_ID,
            startDate: { type: 'string', format: 'date' },
            endDate: { type: 'string', format: 'date' },
            startTime: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00' },
          },
        },
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body
      const customer = body.customerId ?? customerScope(request)
      if (customer === null)
        throw new ApiError('OXA_API_BAD_REQUEST', "body must have required property 'customerId'")
      requireCustomer(request, customer)
      const span = bookedSpan(body, options.now())
      const key = request.headers['idempotency-key']
      const digest = bodyDigest({ ...body, customerId: customer })
      const bookingId = bookingIdFor(customer, key)
      options.digests.claim(`booking:${customer}:${key}`, digest, `booking ${bookingId}`)
      await options.writer.bookingCommand({
        commandId: nameUuid(`api:booking-request:${bookingId}:${digest}`),
        bookingId: toBookingId(bookingId),
        machineType: body.machineType,
        occurredAt: options.now(),
        payload: {
          'dev.oxagry.bookings.RequestBooking': {
            customerId: toCustomerId(customer),
            fieldId: toGeofenceId(body.fieldId),
            ...span,
          },
        },
      })
      const location = `${options.prefix}/bookings/${bookingId}`
      return reply.code(202).header('location', location).send({ status: 'accepted', bookingId, location })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/bookings/:id',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: 'One booking: its machine, order, state and progress on the day',
        tags: ['bookings'],
        params: idParams,
        response: { 200: bookingSchema, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => bookingJson(await visibleBooking(bookings, request, request.params.id)),
  )

  app.get<{
    Querystring: {
      customerId?: string
      machineId?: string
      state?: BookingState
      limit: number
      cursor?: string
    }
  }>(
    '/bookings',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: 'Bookings, newest request first, by customer, machine and state',
        description:
          "`cursor` is the previous page's `nextCursor`, opaque. A customer's token lists its own bookings only.",
        tags: ['bookings'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            customerId: TOKEN_ID,
            machineId: TOKEN_ID,
            state: { type: 'string', enum: [...BOOKING_STATES] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['bookings'],
            properties: { bookings: { type: 'array', items: bookingSchema }, nextCursor: { type: 'string' } },
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const q = request.query
      if (q.customerId !== undefined) requireCustomer(request, q.customerId)
      const customerId = customerScope(request) ?? q.customerId
      const page = await bookings.listBookings({
        limit: q.limit,
        ...(customerId === undefined ? {} : { customerId }),
        ...(q.machineId === undefined ? {} : { machineId: q.machineId }),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      })
      return {
        bookings: page.items.map(bookingJson),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  )

  app.post<{ Params: { id: string }; Body: { note?: string | null } }>(
    '/bookings/:id/cancel',
    {
      config: { scopes: [COMMERCE_SCOPES.write], optionalBody: true },
      schema: {
        summary: 'Cancel a booking; 202 once the CancelBooking command is in the event log',
        description:
          'The machine is released and the rental order cancelled (its payment voided). The outcome shows on the booking.',
        tags: ['bookings'],
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { note: { type: ['string', 'null'], maxLength: 500 } },
        },
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const booking = await visibleBooking(bookings, request, request.params.id)
      if (booking.state === 'REJECTED' || booking.state === 'CANCELLED' || booking.state === 'DONE')
        throw new ApiError(
          'OXA_API_CONFLICT',
          `booking ${booking.bookingId} is ${booking.state}: it cannot be cancelled`,
        )
      const commandId = randomUUID()
      await options.writer.bookingCommand({
        commandId,
        bookingId: toBookingId(booking.bookingId),
        machineType: booking.machineType as MachineType,
        occurredAt: options.now(),
        payload: { 'dev.oxagry.bookings.CancelBooking': { note: request.body.note ?? null } },
      })
      const location = `${options.prefix}/bookings/${booking.bookingId}`
      return reply
        .code(202)
        .header('location', location)
        .send({ status: 'accepted', bookingId: booking.bookingId, commandId, location })
    },
  )

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/machines/:id/calendar',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: "A machine's calendar: the days it is held or booked",
        description:
          '`from` (default now) inclusive, `to` (default 31 days later) exclusive, at most 366 days apart. ' +
          "Entries name no customer: a customer's token sees when a machine is taken, not by whom.",
        tags: ['bookings'],
        params: { type: 'object', required: ['id'], properties: { id: TOKEN_ID } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['machineId', 'from', 'to', 'entries'],
            properties: {
              machineId: { type: 'string' },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['startsAt', 'endsAt', 'state', 'fieldId'],
                  properties: {
                    bookingId: { type: 'string' },
                    startsAt: { type: 'string', format: 'date-time' },
                    endsAt: { type: 'string', format: 'date-time' },
                    state: { type: 'string', enum: ['ASSIGNED', 'CONFIRMED'] },
                    fieldId: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const from = request.query.from === undefined ? options.now() : Date.parse(request.query.from)
      const to = request.query.to === undefined ? from + MAX_BOOKING_DAYS * DAY : Date.parse(request.query.to)
      if (!(to > from))
        throw new ApiError('OXA_API_BAD_REQUEST', 'querystring/to must be after querystring/from')
      if (to - from > 366 * DAY)
        throw new ApiError(
          'OXA_API_BAD_REQUEST',
          'querystring/to must be at most 366 days after querystring/from',
        )
      const own = customerScope(request)
      const entries = (await bookings.machineCalendar(request.params.id, from, to)).map((b) => ({
        // A customer sees its own bookings' ids, and only the span of others'.
        ...(own === null || own === b.customerId ? { bookingId: b.bookingId } : {}),
        startsAt: iso(b.startsAt),
        endsAt: iso(b.endsAt),
        state: b.state,
        fieldId: b.fieldId,
      }))
      return { machineId: request.params.id, from: iso(from), to: iso(to), entries }
    },
  )
}
