import type { MachinePing } from '@oxagry/avro'
import { TRACKING_ERROR_CODES, type TrackingErrorCode } from './errors.ts'
import { haversineMeters } from './geo.ts'

/** Thresholds of the validator. */
export interface ValidationLimits {
  /** Above this implied speed from the newest accepted fix, a fix is a GPS jump; km/h. */
  readonly maxSpeedKmh: number
  /** How far a fix may be ahead of the record's timestamp (unit clock skew); ms. */
  readonly maxFutureMs: number
  /** How many accepted pingIds per machine are remembered to catch resends. */
  readonly dedupWindow: number
}

/** What the validator keeps per machine, in the `ping-guard` store. */
export interface GuardState {
  /** The newest accepted fix by event time: the reference for jumps. */
  readonly newest: {
    readonly latitude: number
    readonly longitude: number
    readonly eventTime: number
  } | null
  /** The last accepted pingIds, oldest first, at most `dedupWindow`. */
  readonly recent: readonly string[]
}

export interface Refusal {
  readonly code: TrackingErrorCode
  readonly message: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Below this, two fixes' time difference is clock granularity: judging speed over it is noise. */
const MIN_JUMP_INTERVAL_MS = 1000

function fieldProblem(key: string | null, p: MachinePing): string | undefined {
  if (key === null || key !== p.machineId)
    return `machineId ${JSON.stringify(p.machineId)} differs from the record key ${JSON.stringify(key)}`
  if (p.machineId === '') return 'machineId is empty'
  if (!UUID.test(p.pingId)) return `pingId ${JSON.stringify(p.pingId)} is not a UUID`
  if (!Number.isSafeInteger(p.sequence) || p.sequence < 0) return `sequence ${p.sequence} is negative`
  if (!Number.isFinite(p.eventTime) || p.eventTime <= 0) return `eventTime ${p.eventTime} is not a time`
  if (!Number.isFinite(p.speedKmh) || p.speedKmh < 0)
    return `speedKmh ${p.speedKmh} is negative or not a number`
  if (!Number.isFinite(p.accuracyMeters) || p.accuracyMeters < 0)
    return `accuracyMeters ${p.accuracyMeters} is negative or not a number`
  if (p.headingDegrees !== null && !(p.headingDegrees >= 0 && p.headingDegrees <= 360))
    return `headingDegrees ${p.headingDegrees} is outside [0, 360]`
  if (p.fuelLevelPercent !== null && !(p.fuelLevelPercent >= 0 && p.fuelLevelPercent <= 100))
    return `fuelLevelPercent ${p.fuelLevelPercent} is outside [0, 100]`
  return undefined
}

/**
 * Why a ping is refused, or undefined when it is accepted. Pure: the processor owns the state, so this
 * is tested without a topology. Checks go from the cheapest and surest to the ones needing history.
 */
export function checkPing(
  key: string | null,
  ping: MachinePing,
  receivedAt: number,
  state: GuardState | undefined,
  limits: ValidationLimits,
): Refusal | undefined {
  const { latitude, longitude } = ping
  if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180)) {
    return {
      code: TRACKING_ERROR_CODES.PING_COORDINATES_OUT_OF_RANGE,
      message: `coordinates (${latitude}, ${longitude}) are outside [-90, 90] x [-180, 180]`,
    }
  }
  const field = fieldProblem(key, ping)
  if (field !== undefined) return { code: TRACKING_ERROR_CODES.PING_INVALID_FIELD, message: field }
  if (ping.eventTime > receivedAt + limits.maxFutureMs) {
    return {
      code: TRACKING_ERROR_CODES.PING_FUTURE_EVENT_TIME,
      message: `eventTime ${ping.eventTime} is ${ping.eventTime - receivedAt} ms after the record was sent (at most ${limits.maxFutureMs})`,
    }
  }
  if (state?.recent.includes(ping.pingId) === true) {
    return {
      code: TRACKING_ERROR_CODES.PING_DUPLICATE,
      message: `pingId ${ping.pingId} was accepted already`,
    }
  }
  const newest = state?.newest
  if (newest !== null && newest !== undefined) {
    const metres = haversineMeters(newest, ping)
    const ms = Math.max(MIN_JUMP_INTERVAL_MS, Math.abs(ping.eventTime - newest.eventTime))
    const kmh = (metres / ms) * 3600
    if (kmh > limits.maxSpeedKmh) {
      return {
        code: TRACKING_ERROR_CODES.PING_IMPOSSIBLE_JUMP,
        message: `${Math.round(metres)} m from the newest accepted fix in ${ms} ms: ${Math.round(kmh)} km/h (at most ${limits.maxSpeedKmh})`,
      }
    }
  }
  return undefined
}

/** The state after accepting a ping. */
export function accept(
  state: GuardState | undefined,
  ping: MachinePing,
  limits: ValidationLimits,
): GuardState {
  const recent = [...(state?.recent ?? []), ping.pingId]
  if (recent.length > limits.dedupWindow) recent.splice(0, recent.length - limits.dedupWindow)
  const newest = state?.newest ?? null
  return {
    recent,
    newest:
      newest === null || ping.eventTime >= newest.eventTime
        ? { latitude: ping.latitude, longitude: ping.longitude, eventTime: ping.eventTime }
        : newest,
  }
}
