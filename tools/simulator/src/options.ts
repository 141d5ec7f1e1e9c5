import { Ajv } from 'ajv'
import { SIM_ERROR_CODES, SimError } from './errors.ts'

/** Shares of generated pings turned into each kind of bad data; each in [0, 0.2]. */
export interface BadDataShares {
  /** A fix tens of km away from where the machine is (multipath, a cold start). */
  readonly gpsJump?: number
  /** Coordinates outside WGS 84's range (lat 95, lon 200): a broken unit. */
  readonly outOfRange?: number
  /** An extra copy of a recent ping, same pingId: a resend after a lost acknowledgement. */
  readonly duplicate?: number
  /** Held back and sent one to four minutes later: a unit that was out of coverage. */
  readonly late?: number
  /** Sent after the next ping of its machine: sequence numbers arrive swapped. */
  readonly outOfOrder?: number
}

export interface FleetOptions {
  /** Number of machines; default 200. */
  readonly machines?: number
  /** Generated pings per second over the whole fleet (duplicates come on top); default 100. */
  readonly ratePerSecond?: number
  /** PRNG seed; same seed and same tick times give the same pings. Default 42. */
  readonly seed?: number
  /**
   * Which run of the same fleet this is, from 0: a restarted simulator is its next life, whose pings have
   * other ids and whose machines' sequences continue above the last life's, so nothing is replayed.
   */
  readonly life?: number
  /** Simulated time of the first ping; the first tick's time when absent. */
  readonly startTimeMs?: number
  readonly badData?: BadDataShares
  /** The region: south-west corner and size in one-mile sections. Default Story County, Iowa, 6×4. */
  readonly region?: {
    readonly latitude?: number
    readonly longitude?: number
    readonly sectionsEast?: number
    readonly sectionsNorth?: number
  }
}

export interface ResolvedFleetOptions {
  readonly machines: number
  readonly ratePerSecond: number
  readonly seed: number
  readonly life: number
  readonly startTimeMs: number | undefined
  readonly badData: Required<BadDataShares>
  readonly region: { latitude: number; longitude: number; sectionsEast: number; sectionsNorth: number }
}

/** A few percent of bad data in total, each kind present so every validation path runs. */
export const DEFAULT_BAD_DATA: Required<BadDataShares> = Object.freeze({
  gpsJump: 0.005,
  outOfRange: 0.005,
  duplicate: 0.01,
  late: 0.01,
  outOfOrder: 0.01,
})

const share = { type: 'number', minimum: 0, maximum: 0.2 }

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    machines: { type: 'integer', minimum: 1, maximum: 100_000 },
    ratePerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
    seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
    life: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    startTimeMs: { type: 'integer', minimum: 0 },
    badData: {
      type: 'object',
      additionalProperties: false,
      properties: { gpsJump: share, outOfRange: share, duplicate: share, late: share, outOfOrder: share },
    },
    region: {
      type: 'object',
      additionalProperties: false,
      properties: {
        latitude: { type: 'number', minimum: -80, maximum: 80 },
        longitude: { type: 'number', minimum: -179, maximum: 179 },
        sectionsEast: { type: 'integer', minimum: 1, maximum: 50 },
        sectionsNorth: { type: 'integer', minimum: 1, maximum: 50 },
      },
    },
  },
}

const validate = new Ajv({ allErrors: true }).compile(schema)

/** Validates once at the boundary and fills in the defaults. */
export function resolveFleetOptions(options: FleetOptions = {}): ResolvedFleetOptions {
  if (!validate(options)) {
    const problems = (validate.errors ?? []).map(
      (e) =>
        `/options${e.instancePath}${e.keyword === 'additionalProperties' ? `/${String(e.params.additionalProperty)} is not an option` : ` ${e.message ?? 'is invalid'}`}`,
    )
    throw new SimError(
      SIM_ERROR_CODES.INVALID_OPTIONS,
      `invalid fleet options:\n  ${problems.join('\n  ')}`,
      {
        context: { path: problems[0]?.split(' ')[0] ?? '/options' },
      },
    )
  }
  const badData = { ...DEFAULT_BAD_DATA, ...options.badData }
  const total = Object.values(badData).reduce((a, b) => a + b, 0)
  if (total > 0.5) {
    throw new SimError(
      SIM_ERROR_CODES.INVALID_OPTIONS,
      `/options/badData shares add up to ${total}; at most 0.5, or the fleet is mostly noise`,
      { context: { path: '/options/badData' } },
    )
  }
  return {
    machines: options.machines ?? 200,
    ratePerSecond: options.ratePerSecond ?? 100,
    seed: options.seed ?? 42,
    life: options.life ?? 0,
    startTimeMs: options.startTimeMs,
    badData,
    region: {
      latitude: options.region?.latitude ?? 41.98,
      longitude: options.region?.longitude ?? -93.66,
      sectionsEast: options.region?.sectionsEast ?? 6,
      sectionsNorth: options.region?.sectionsNorth ?? 4,
    },
  }
}
