import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { INVENTORY_ERROR_CODES, InventoryError } from './errors.ts'

/** The service's environment, read once at start. */
export interface InventoryEnv extends StreamsServiceEnv {
  readonly expiryIntervalMs: number
}

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, INVENTORY_APPLICATION_ID, INVENTORY_HTTP_PORT, INVENTORY_HTTP_HOST) and
 * INVENTORY_EXPIRY_INTERVAL_MS; defaults are the local stack's. Every bad value is reported, not just the
 * first.
 */
export function readInventoryEnv(env: NodeJS.ProcessEnv = process.env): InventoryEnv {
  const reader = new ServiceEnvReader(env)
  const service = reader.service({
    prefix: 'INVENTORY',
    applicationId: 'oxagry-inventory',
    httpPort: 9467,
    stateDir: '.state/inventory',
  })
  const expiryIntervalMs = reader.integer('INVENTORY_EXPIRY_INTERVAL_MS', { min: 1 }) ?? 1000
  reader.check(
    (message, path) =>
      new InventoryError(INVENTORY_ERROR_CODES.INVALID_OPTIONS, message, { context: { path } }),
  )
  return { ...service, expiryIntervalMs }
}
