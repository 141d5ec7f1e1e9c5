import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { TRACKING_ERROR_CODES, TrackingError } from './errors.ts'

/** The service's environment, read once at start. */
export type TrackingEnv = StreamsServiceEnv

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, TRACKING_APPLICATION_ID, TRACKING_HTTP_PORT, TRACKING_HTTP_HOST); defaults are the
 * local stack's. Every bad value is reported, not just the first.
 */
export function readTrackingEnv(env: NodeJS.ProcessEnv = process.env): TrackingEnv {
  const reader = new ServiceEnvReader(env)
  const service = reader.service({
    prefix: 'TRACKING',
    applicationId: 'oxagry-tracking',
    httpPort: 9464,
    stateDir: '.state/tracking',
  })
  reader.check(
    (message, path) =>
      new TrackingError(TRACKING_ERROR_CODES.INVALID_OPTIONS, message, { context: { path } }),
  )
  return service
}
