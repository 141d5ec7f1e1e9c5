import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { NOTIFICATIONS_ERROR_CODES, NotificationsError } from './errors.ts'

/** Which parts run in this process: the notifications topology, the channel worker, or both. */
export const NOTIFICATIONS_ROLES = ['processor', 'worker', 'both'] as const
export type NotificationsRole = (typeof NOTIFICATIONS_ROLES)[number]

/** The service's environment, read once at start. */
export interface NotificationsEnv extends StreamsServiceEnv {
  readonly role: NotificationsRole
  readonly workerGroupId: string
  readonly stockRecipients: readonly string[]
  /** The simulated channel provider's log of what it sent. */
  readonly sentLogPath: string
  readonly retry: { readonly baseMs?: number; readonly maxMs?: number; readonly attempts?: number }
}

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, NOTIFICATIONS_APPLICATION_ID, NOTIFICATIONS_HTTP_PORT, NOTIFICATIONS_HTTP_HOST) and
 * NOTIFICATIONS_ROLE (processor | worker | both), NOTIFICATIONS_WORKER_GROUP_ID,
 * NOTIFICATIONS_STOCK_RECIPIENTS (comma-separated recipient ids, default `operator:warehouse`),
 * NOTIFICATIONS_SENT_LOG_PATH, NOTIFICATIONS_RETRY_BASE_MS, NOTIFICATIONS_RETRY_MAX_MS and
 * NOTIFICATIONS_RETRY_ATTEMPTS. Every bad value is reported, not just the first.
 */
export function readNotificationsEnv(env: NodeJS.ProcessEnv = process.env): NotificationsEnv {
  const reader = new ServiceEnvReader(env)
  const problems = reader.problems
  const role = reader.oneOf('NOTIFICATIONS_ROLE', NOTIFICATIONS_ROLES, 'both')
  const service = reader.service({
    prefix: 'NOTIFICATIONS',
    applicationId: 'oxagry-notifications',
    httpPort: 9469,
    stateDir: '.state/notifications',
  })
  const workerGroupId = reader.name('NOTIFICATIONS_WORKER_GROUP_ID', 'oxagry-notification-channels')
  const stockRecipients = (env.NOTIFICATIONS_STOCK_RECIPIENTS ?? 'operator:warehouse')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
  for (const r of stockRecipients)
    if (!/^[A-Za-z0-9:._@-]{1,128}$/.test(r))
      problems.push(`NOTIFICATIONS_STOCK_RECIPIENTS must list recipient ids, got ${JSON.stringify(r)}`)
  const baseMs = reader.integer('NOTIFICATIONS_RETRY_BASE_MS', { min: 1 })
  const maxMs = reader.integer('NOTIFICATIONS_RETRY_MAX_MS', { min: 1 })
  const attempts = reader.integer('NOTIFICATIONS_RETRY_ATTEMPTS', { min: 1, max: 100 })
  reader.check(
    (message, path) =>
      new NotificationsError(NOTIFICATIONS_ERROR_CODES.INVALID_OPTIONS, message, { context: { path } }),
  )
  return {
    ...service,
    role,
    workerGroupId,
    stockRecipients,
    sentLogPath: env.NOTIFICATIONS_SENT_LOG_PATH ?? join(tmpdir(), 'oxagry-notifications', 'sent.jsonl'),
    retry: {
      ...(baseMs === undefined ? {} : { baseMs }),
      ...(maxMs === undefined ? {} : { maxMs }),
      ...(attempts === undefined ? {} : { attempts }),
    },
  }
}
