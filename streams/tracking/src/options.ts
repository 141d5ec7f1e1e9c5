import { Ajv } from 'ajv'
import type {
  Geofence,
  DeadLetter,
  GeofenceTransition,
  MachinePing,
  MachinePosition,
  MachineSession,
} from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import {
  catalogueNames,
  describeTopics,
  TOPICS,
  type TopicDescriptors,
  type TopicNames,
} from '@oxagry/topics'
import { TRACKING_ERROR_CODES, TrackingError } from './errors.ts'
import type { ValidationLimits } from './validation.ts'

/** The topics the application reads and writes, by role, as the catalogue declares them. */
export const TRACKING_TOPICS = {
  pings: TOPICS.machinePings,
  /** Pings that passed validation, each once: the ping facts' source. */
  accepted: TOPICS.acceptedPings,
  geofences: TOPICS.geofences,
  positions: TOPICS.machinePositions,
  transitions: TOPICS.geofenceTransitions,
  sessions: TOPICS.machineSessions,
  deadLetters: TOPICS.fleetDeadLetters,
} as const

/** A topic name per role. */
export type TrackingTopics = TopicNames<typeof TRACKING_TOPICS>

export const DEFAULT_TRACKING_TOPICS: TrackingTopics = catalogueNames(TRACKING_TOPICS)

/** Each topic with its serdes, typed by its contract: what the topology reads and writes. */
export type TrackingTopicDescriptors = TopicDescriptors<typeof TRACKING_TOPICS>

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface TrackingSerdes {
  readonly ping: Serde<MachinePing>
  readonly geofence: Serde<Geofence>
  readonly position: Serde<MachinePosition>
  readonly transition: Serde<GeofenceTransition>
  readonly session: Serde<MachineSession>
  readonly deadLetter: Serde<DeadLetter>
}

export interface SessionOptions {
  /** No fix of the activity for this long ends a trip or idle period; ms. */
  readonly inactivityGapMs?: number
  /** How late a fix may arrive and still join its session; ms. */
  readonly graceMs?: number
  /** At or above this ground speed a fix is moving (a trip); km/h. */
  readonly movingSpeedKmh?: number
}

export interface TrackingOptions {
  readonly serdes: TrackingSerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<TrackingTopics>
  readonly validation?: Partial<ValidationLimits>
  readonly sessions?: SessionOptions
}

export interface ResolvedTrackingOptions {
  readonly serdes: TrackingSerdes
  readonly topics: TrackingTopics
  /** The topics with their serdes. */
  readonly descriptors: TrackingTopicDescriptors
  readonly validation: ValidationLimits
  readonly sessions: Required<SessionOptions>
}

export const DEFAULT_VALIDATION: ValidationLimits = Object.freeze({
  maxSpeedKmh: 200,
  maxFutureMs: 120_000,
  dedupWindow: 32,
})

export const DEFAULT_SESSIONS: Required<SessionOptions> = Object.freeze({
  inactivityGapMs: 180_000,
  graceMs: 300_000,
  movingSpeedKmh: 2,
})

const topicName = { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }
const schema = {
  type: 'object',
  required: ['serdes'],
  additionalProperties: false,
  properties: {
    serdes: { type: 'object' },
    topics: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Object.keys(DEFAULT_TRACKING_TOPICS).map((k) => [k, topicName])),
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxSpeedKmh: { type: 'number', exclusiveMinimum: 0 },
        maxFutureMs: { type: 'integer', minimum: 0 },
        dedupWindow: { type: 'integer', minimum: 1, maximum: 10_000 },
      },
    },
    sessions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        inactivityGapMs: { type: 'integer', minimum: 1 },
        graceMs: { type: 'integer', minimum: 0 },
        movingSpeedKmh: { type: 'number', exclusiveMinimum: 0 },
      },
    },
  },
}

const validate = new Ajv({ allErrors: true }).compile(schema)

/** Validates once, at the boundary, and fills in the defaults. */
export function resolveTrackingOptions(options: TrackingOptions): ResolvedTrackingOptions {
  const fail = (problems: string[]): never => {
    throw new TrackingError(
      TRACKING_ERROR_CODES.INVALID_OPTIONS,
      `invalid tracking options:\n  ${problems.join('\n  ')}`,
      {
        context: { path: problems[0]?.split(' ')[0] ?? '/options' },
      },
    )
  }
  if (!validate(options)) {
    fail(
      (validate.errors ?? []).map(
        (e) =>
          `/options${e.instancePath}${e.keyword === 'additionalProperties' ? `/${String(e.params.additionalProperty)} is not an option` : ` ${e.message ?? 'is invalid'}`}`,
      ),
    )
  }
  const missing = (['ping', 'geofence', 'position', 'transition', 'session', 'deadLetter'] as const).filter(
    (k) =>
      typeof options.serdes[k]?.serialize !== 'function' ||
      typeof options.serdes[k]?.deserialize !== 'function',
  )
  if (missing.length > 0) fail(missing.map((k) => `/options/serdes/${k} must be a Serde`))
  const topics = { ...DEFAULT_TRACKING_TOPICS, ...options.topics }
  const names = Object.values(topics)
  if (new Set(names).size !== names.length)
    fail([`/options/topics must name ${names.length} different topics, got ${names.join(', ')}`])
  const { ping, geofence, position, transition, session, deadLetter } = options.serdes
  return {
    serdes: options.serdes,
    topics,
    descriptors: describeTopics(
      TRACKING_TOPICS,
      {
        pings: ping,
        accepted: ping,
        geofences: geofence,
        positions: position,
        transitions: transition,
        sessions: session,
        deadLetters: deadLetter,
      },
      topics,
    ),
    validation: { ...DEFAULT_VALIDATION, ...options.validation },
    sessions: { ...DEFAULT_SESSIONS, ...options.sessions },
  }
}
