import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.ts'
import { machineView } from '../views.ts'
import {
  MACHINE_STATUSES,
  type GeofenceQueries,
  type HistoryQueries,
  type MachineQueries,
  type MachineStatus,
} from '../ports.ts'

const machineSchema = {
  type: 'object',
  properties: {
    machineId: { type: 'string' },
    status: { type: 'string', enum: [...MACHINE_STATUSES] },
    eventTime: { type: 'string', format: 'date-time' },
    latitude: { type: 'number' },
    longitude: { type: 'number' },
    speedKmh: { type: 'number' },
    headingDegrees: { type: ['number', 'null'] },
    accuracyMeters: { type: 'number' },
    engineState: { type: 'string' },
    fuelLevelPercent: { type: ['number', 'null'] },
    geofenceIds: { type: 'array', items: { type: 'string' } },
  },
} as const

const machineId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' } as const
const MAX_RANGE_MS = 7 * 24 * 60 * 60 * 1000

const timeRange = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time', description: 'start of the range (ISO 8601), inclusive' },
    to: {
      type: 'string',
      format: 'date-time',
      description: 'end of the range (ISO 8601), exclusive; at most 7 days after from',
    },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
  },
} as const

function range(query: { from: string; to: string }): { from: number; to: number } {
  const from = Date.parse(query.from)
  const to = Date.parse(query.to)
  if (!(to > from)) throw new ApiError('OXA_API_BAD_REQUEST', 'querystring/to must be after querystring/from')
  if (to - from > MAX_RANGE_MS)
    throw new ApiError('OXA_API_BAD_REQUEST', 'querystring/to must be at most 7 days after querystring/from')
  return { from, to }
}

export interface MachinesPluginOptions {
  readonly machines: MachineQueries
  readonly history: HistoryQueries
  readonly geofences: GeofenceQueries
}

/** The machines resource: the read model for current state, ClickHouse for tracks and trips. */
export async function machinesPlugin(app: FastifyInstance, options: MachinesPluginOptions): Promise<void> {
  app.get<{
    Querystring: {
      status?: MachineStatus
      minLat?: number
      minLon?: number
      maxLat?: number
      maxLon?: number
      limit: number
      cursor?: string
    }
  }>(
    '/machines',
    {
      schema: {
        summary: 'Machines with their latest position, filtered by status or bounding box, paginated',
        tags: ['machines'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...MACHINE_STATUSES] },
            minLat: { type: 'number', minimum: -90, maximum: 90 },
            maxLat: { type: 'number', minimum: -90, maximum: 90 },
            minLon: { type: 'number', minimum: -180, maximum: 180 },
            maxLon: { type: 'number', minimum: -180, maximum: 180 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: { type: 'string', maxLength: 256 },
          },
          dependencies: {
            minLat: ['maxLat', 'minLon', 'maxLon'],
            maxLat: ['minLat', 'minLon', 'maxLon'],
            minLon: ['minLat', 'maxLat', 'maxLon'],
            maxLon: ['minLat', 'maxLat', 'minLon'],
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { machines: { type: 'array', items: machineSchema }, nextCursor: { type: 'string' } },
          },
        },
      },
    },
    async (req) => {
      const q = req.query
      if (q.minLat !== undefined && q.maxLat !== undefined && q.minLat > q.maxLat) {
        throw new ApiError(
          'OXA_API_BAD_REQUEST',
          'querystring/minLat must not be greater than querystring/maxLat',
        )
      }
      if (q.minLon !== undefined && q.maxLon !== undefined && q.minLon > q.maxLon) {
        throw new ApiError(
          'OXA_API_BAD_REQUEST',
          'querystring/minLon must not be greater than querystring/maxLon',
        )
      }
      const bbox =
        q.minLat === undefined || q.maxLat === undefined || q.minLon === undefined || q.maxLon === undefined
          ? undefined
          : { minLat: q.minLat, maxLat: q.maxLat, minLon: q.minLon, maxLon: q.maxLon }
      const page = await options.machines.list({
        limit: q.limit,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(bbox === undefined ? {} : { bbox }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      })
      return {
        machines: page.machines.map(machineView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/machines/:id',
    {
      schema: {
        summary: 'One machine with its latest position',
        tags: ['machines'],
        params: { type: 'object', required: ['id'], properties: { id: machineId } },
        response: { 200: machineSchema },
      },
    },
    async (req) => {
      const machine = await options.machines.get(req.params.id)
      if (machine === undefined) throw new ApiError('OXA_API_NOT_FOUND', `machine ${req.params.id} not found`)
      return machineView(machine)
    },
  )

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string; limit: number } }>(
    '/machines/:id/track',
    {
      schema: {
        summary: "A machine's GPS track between two times, from ClickHouse",
        tags: ['machines'],
        params: { type: 'object', required: ['id'], properties: { id: machineId } },
        querystring: timeRange,
      },
    },
    async (req) => {
      const { from, to } = range(req.query)
      const points = await options.history.track(req.params.id, from, to, req.query.limit)
      return {
        machineId: req.params.id,
        points: points.map((p) => ({ ...p, eventTime: new Date(p.eventTime).toISOString() })),
      }
    },
  )

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string; limit: number } }>(
    '/machines/:id/trips',
    {
      schema: {
        summary: "A machine's trips and idle periods that ended in a time range",
        tags: ['machines'],
        params: { type: 'object', required: ['id'], properties: { id: machineId } },
        querystring: timeRange,
      },
    },
    async (req) => {
      const { from, to } = range(req.query)
      const trips = await options.history.trips(req.params.id, from, to, req.query.limit)
      return {
        machineId: req.params.id,
        trips: trips.map((trip) => ({
          ...trip,
          startedAt: new Date(trip.startedAt).toISOString(),
          endedAt: new Date(trip.endedAt).toISOString(),
        })),
      }
    },
  )

  app.get('/geofences', { schema: { summary: 'Fields and yards', tags: ['geofences'] } }, async () => ({
    geofences: await options.geofences.list(),
  }))
}
