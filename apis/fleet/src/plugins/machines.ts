import type { FastifyInstance } from 'fastify'
import { ApiError } from '@oxagry/api-http'
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
  required: [
    'machineId',
    'status',
    'eventTime',
    'latitude',
    'longitude',
    'speedKmh',
    'headingDegrees',
    'accuracyMeters',
    'engineState',
    'fuelLevelPercent',
    'geofenceIds',
  ],
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
const idParams = { type: 'object', required: ['id'], properties: { id: machineId } } as const

/** The error answers a route documents, each the one `ApiError` body. */
function errors<S extends number>(...statuses: S[]): Record<S, { $ref: 'ApiError#' }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ApiError#' }])) as Record<
    S,
    { $ref: 'ApiError#' }
  >
}

const trackSchema = {
  type: 'object',
  required: ['machineId', 'points'],
  properties: {
    machineId: { type: 'string' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pingId', 'sequence', 'eventTime', 'latitude', 'longitude', 'speedKmh', 'engineState'],
        properties: {
          pingId: { type: 'string', description: "The ping's id: a point's identity, stable across replays" },
          sequence: { type: 'integer', description: "The machine's own counter of the ping" },
          eventTime: { type: 'string', format: 'date-time' },
          latitude: { type: 'number' },
          longitude: { type: 'number' },
          speedKmh: { type: 'number' },
          headingDegrees: { type: 'number', nullable: true },
          engineState: { type: 'string' },
        },
      },
    },
  },
} as const

const tripsSchema = {
  type: 'object',
  required: ['machineId', 'trips'],
  properties: {
    machineId: { type: 'string' },
    trips: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'sessionId',
          'kind',
          'startedAt',
          'endedAt',
          'distanceMeters',
          'maxSpeedKmh',
          'startLatitude',
          'startLongitude',
          'endLatitude',
          'endLongitude',
          'state',
          'pingCount',
        ],
        properties: {
          sessionId: { type: 'string' },
          kind: { type: 'string' },
          state: { type: 'string' },
          pingCount: { type: 'integer' },
          fuelUsedPercent: { type: 'number', nullable: true },
          startedAt: { type: 'string', format: 'date-time' },
          endedAt: { type: 'string', format: 'date-time' },
          distanceMeters: { type: 'number' },
          maxSpeedKmh: { type: 'number' },
          startLatitude: { type: 'number' },
          startLongitude: { type: 'number' },
          endLatitude: { type: 'number' },
          endLongitude: { type: 'number' },
        },
      },
    },
  },
} as const

const geofencesSchema = {
  type: 'object',
  required: ['geofences'],
  properties: {
    geofences: {
      type: 'array',
      items: {
        type: 'object',
        required: ['geofenceId', 'name', 'kind', 'boundary'],
        properties: {
          geofenceId: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          boundary: {
            type: 'array',
            items: {
              type: 'object',
              required: ['latitude', 'longitude'],
              properties: { latitude: { type: 'number' }, longitude: { type: 'number' } },
            },
          },
        },
      },
    },
  },
} as const
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
      description:
        'end of the range (ISO 8601), exclusive: after `from` and at most 7 days after it (else 400)',
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
  /** A machine the read model does not know has no track either: 404, as `/machines/{id}` answers. */
  async function known(id: string): Promise<void> {
    if ((await options.machines.get(id)) === undefined)
      throw new ApiError('OXA_API_NOT_FOUND', `machine ${id} not found`)
  }

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
        description:
          'The bounding box is `minLat`, `maxLat`, `minLon` and `maxLon` together (any of them alone is a 400), ' +
          'with `minLat <= maxLat` and `minLon <= maxLon` (no antimeridian crossing). `cursor` is the ' +
          '`nextCursor` of the previous page, opaque: anything else is a 400.',
        tags: ['machines'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...MACHINE_STATUSES] },
            minLat: { type: 'number', minimum: -90, maximum: 90, description: 'with maxLat, minLon, maxLon' },
            maxLat: { type: 'number', minimum: -90, maximum: 90, description: 'with minLat, minLon, maxLon' },
            minLon: {
              type: 'number',
              minimum: -180,
              maximum: 180,
              description: 'with minLat, maxLat, maxLon',
            },
            maxLon: {
              type: 'number',
              minimum: -180,
              maximum: 180,
              description: 'with minLat, maxLat, minLon',
            },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: { type: 'string', maxLength: 256, description: '`nextCursor` of the previous page' },
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
            required: ['machines'],
            properties: { machines: { type: 'array', items: machineSchema }, nextCursor: { type: 'string' } },
          },
          ...errors(400, 401, 403, 429),
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
        params: idParams,
        response: { 200: machineSchema, ...errors(400, 401, 403, 404, 414, 429) },
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
        params: idParams,
        querystring: timeRange,
        response: { 200: trackSchema, ...errors(400, 401, 403, 404, 414, 429) },
      },
    },
    async (req) => {
      const { from, to } = range(req.query)
      await known(req.params.id)
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
        params: idParams,
        querystring: timeRange,
        response: { 200: tripsSchema, ...errors(400, 401, 403, 404, 414, 429) },
      },
    },
    async (req) => {
      const { from, to } = range(req.query)
      await known(req.params.id)
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

  app.get(
    '/geofences',
    {
      schema: {
        summary: 'Fields and yards',
        tags: ['geofences'],
        response: { 200: geofencesSchema, ...errors(401, 403, 429) },
      },
    },
    async () => ({ geofences: await options.geofences.list() }),
  )
}
