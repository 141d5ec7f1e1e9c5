import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { BOOKINGS_ERROR_CODES, BookingsError } from './errors.ts'
import { DEFAULT_BOOKINGS_TIMING, type BookingsTiming } from './options.ts'

/** The service's environment, read once at start. */
export interface BookingsEnv extends StreamsServiceEnv {
  readonly timing: BookingsTiming
}

const MS_VARIABLES: Record<keyof BookingsTiming, string> = {
  enRouteLeadMs: 'BOOKINGS_EN_ROUTE_LEAD_MS',
  lateGraceMs: 'BOOKINGS_LATE_GRACE_MS',
  punctuateEveryMs: 'BOOKINGS_PUNCTUATE_EVERY_MS',
}

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, BOOKINGS_APPLICATION_ID, BOOKINGS_HTTP_PORT, BOOKINGS_HTTP_HOST) and BOOKINGS_*_MS;
 * defaults are the local stack's. Every bad value is reported, not just the first.
 */
export function readBookingsEnv(env: NodeJS.ProcessEnv = process.env): BookingsEnv {
  const reader = new ServiceEnvReader(env)
  const service = reader.service({
    prefix: 'BOOKINGS',
    applicationId: 'oxagry-bookings',
    httpPort: 9468,
    stateDir: '.state/bookings',
  })
  const timing = { ...DEFAULT_BOOKINGS_TIMING }
  for (const [field, variable] of Object.entries(MS_VARIABLES) as [keyof BookingsTiming, string][]) {
    const value = reader.integer(variable, { min: 1 })
    if (value !== undefined) timing[field] = value
  }
  reader.check((message, path) => new BookingsError(BOOKINGS_ERROR_CODES.INVALID_OPTIONS, message, { path }))
  return { ...service, timing }
}
