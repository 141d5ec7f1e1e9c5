import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { ORDERS_ERROR_CODES, OrdersError } from './errors.ts'
import { DEFAULT_ORDERS_TIMEOUTS, type OrdersTimeouts } from './options.ts'

/** The service's environment, read once at start. */
export interface OrdersEnv extends StreamsServiceEnv {
  readonly timeouts: OrdersTimeouts
}

const MS_VARIABLES: Record<keyof OrdersTimeouts, string> = {
  validationTimeoutMs: 'ORDERS_VALIDATION_TIMEOUT_MS',
  paymentDeadlineMs: 'ORDERS_PAYMENT_DEADLINE_MS',
  reservationTtlMs: 'ORDERS_RESERVATION_TTL_MS',
  punctuateEveryMs: 'ORDERS_PUNCTUATE_EVERY_MS',
}

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, ORDERS_APPLICATION_ID, ORDERS_HTTP_PORT, ORDERS_HTTP_HOST) and ORDERS_*_MS; defaults
 * are the local stack's. Every bad value is reported, not just the first.
 */
export function readOrdersEnv(env: NodeJS.ProcessEnv = process.env): OrdersEnv {
  const reader = new ServiceEnvReader(env)
  const service = reader.service({
    prefix: 'ORDERS',
    applicationId: 'oxagry-orders',
    httpPort: 9465,
    stateDir: '.state/orders',
  })
  const timeouts = { ...DEFAULT_ORDERS_TIMEOUTS }
  for (const [field, variable] of Object.entries(MS_VARIABLES) as [keyof OrdersTimeouts, string][]) {
    const value = reader.integer(variable, { min: 1 })
    if (value !== undefined) timeouts[field] = value
  }
  reader.check((message, path) => new OrdersError(ORDERS_ERROR_CODES.INVALID_OPTIONS, message, { path }))
  return { ...service, timeouts }
}
