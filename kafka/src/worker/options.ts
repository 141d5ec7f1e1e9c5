import { randomUUID } from 'node:crypto'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'

// The settings every transactional worker shares (the payment gateway, the notification channel
// worker), checked once at the service's boundary, and what the worker reports of itself.

export const WorkerState = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  /** The external call is being retried: live, not ready. */
  RETRYING: 'RETRYING',
  STOPPING: 'STOPPING',
  STOPPED: 'STOPPED',
  /** An error it cannot get past: nothing after the last commit was committed. */
  FAILED: 'FAILED',
} as const
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState]

export interface WorkerHealth {
  readonly live: boolean
  readonly ready: boolean
  readonly state: WorkerState
  /** Partitions owned now. */
  readonly partitions: number
  readonly lastError?: { readonly code: string; readonly message: string }
}

/** How the worker ended; `closed` resolves with it and never rejects. */
export interface WorkerClosed {
  readonly state: WorkerState
  readonly error?: unknown
}

export const PROCESSING_GUARANTEES = ['exactly_once', 'at_least_once'] as const
export type ProcessingGuarantee = (typeof PROCESSING_GUARANTEES)[number]

/** The worker's settings as a service's options give them. */
export interface WorkerSettingsInput {
  /** The worker's own consumer group; also the application its dead letters name. */
  readonly groupId?: string
  readonly clientId?: string
  /**
   * exactly_once: outputs and the offsets they finish commit in one transaction, the member's (on a
   * backend whose transactional offsets carry the group's metadata) or each partition's. at_least_once:
   * the offset is committed once the outputs are acknowledged; a crash in between does the batch again
   * (the external call must be idempotent).
   */
  readonly processingGuarantee?: ProcessingGuarantee
  /**
   * Exactly-once with one transaction per member: how long it stays open gathering batches before it
   * commits, in ms (Kafka Streams' `commit.interval.ms` under exactly-once, 100). 0 commits after each
   * batch. A call found unavailable, a revocation and a stop commit what is open at once.
   */
  readonly commitIntervalMs?: number
  /**
   * Exactly-once with one transaction per member: names this instance in its transactional id,
   * `<groupId>-<instanceId>`. Give each instance its own, kept across its restarts (a pod's name): a
   * restarted instance then aborts at once what its previous run left open, where a fresh id leaves
   * that transaction to the broker's timeout (a minute), holding back read_committed readers of its
   * outputs meanwhile. Two live instances with the same id fence each other. Default: a fresh id per start.
   */
  readonly instanceId?: string
  /** An unavailable external call is retried, doubling from baseMs up to maxMs, `attempts` calls in all. */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number; readonly attempts?: number }
  /** Bound of stop(); ms. */
  readonly shutdownTimeoutMs?: number
}

/** What a service chooses when its options say nothing. */
export interface WorkerDefaults {
  readonly groupId: string
  readonly baseMs: number
  readonly maxMs: number
  /** Calls in all before giving up; `Infinity` retries until the call is answered. */
  readonly attempts: number
  readonly shutdownTimeoutMs?: number
  readonly processingGuarantee?: ProcessingGuarantee
}

/** The settings once checked. */
export interface WorkerSettings {
  readonly groupId: string
  readonly clientId: string
  readonly exactlyOnce: boolean
  readonly baseMs: number
  readonly maxMs: number
  readonly attempts: number
  readonly shutdownTimeoutMs: number
  readonly commitIntervalMs: number
  readonly instanceId: string
}

const NAME = /^[A-Za-z0-9._-]+$/

/**
 * Checks the settings, adding each problem under `path` (`/gateway`) to `problems`, so a service
 * names the worker's problems and its own in one error.
 */
export function checkWorkerSettings(
  input: WorkerSettingsInput,
  defaults: WorkerDefaults,
  path: string,
  problems: string[],
): WorkerSettings {
  const groupId = input.groupId ?? defaults.groupId
  if (typeof groupId !== 'string' || !NAME.test(groupId))
    problems.push(`${path}/groupId must be letters, digits, ".", "_" or "-"`)
  const clientId = input.clientId ?? groupId
  if (input.clientId !== undefined && (typeof clientId !== 'string' || !NAME.test(clientId)))
    problems.push(`${path}/clientId must be letters, digits, ".", "_" or "-"`)
  const guarantee: unknown = input.processingGuarantee ?? defaults.processingGuarantee ?? 'exactly_once'
  if (!PROCESSING_GUARANTEES.includes(guarantee as ProcessingGuarantee))
    problems.push(`${path}/processingGuarantee must be exactly_once or at_least_once`)
  const baseMs = input.retry?.baseMs ?? defaults.baseMs
  const maxMs = input.retry?.maxMs ?? defaults.maxMs
  const attempts = input.retry?.attempts ?? defaults.attempts
  if (!Number.isSafeInteger(baseMs) || baseMs < 1) problems.push(`${path}/retry/baseMs must be >= 1`)
  if (!Number.isSafeInteger(maxMs) || maxMs < baseMs) problems.push(`${path}/retry/maxMs must be >= baseMs`)
  if (attempts !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(attempts) || attempts < 1))
    problems.push(`${path}/retry/attempts must be >= 1`)
  const shutdownTimeoutMs = input.shutdownTimeoutMs ?? defaults.shutdownTimeoutMs ?? 30_000
  if (!Number.isSafeInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0)
    problems.push(`${path}/shutdownTimeoutMs must be an integer >= 0`)
  const commitIntervalMs = input.commitIntervalMs ?? 100
  if (!Number.isSafeInteger(commitIntervalMs) || commitIntervalMs < 0)
    problems.push(`${path}/commitIntervalMs must be an integer >= 0`)
  const instanceId = input.instanceId ?? randomUUID()
  if (typeof instanceId !== 'string' || !NAME.test(instanceId))
    problems.push(`${path}/instanceId must be letters, digits, ".", "_" or "-"`)
  return {
    groupId,
    clientId,
    exactlyOnce: guarantee === 'exactly_once',
    baseMs,
    maxMs,
    attempts,
    shutdownTimeoutMs,
    commitIntervalMs,
    instanceId,
  }
}

/** Checks the settings on their own: an `OXA_KAFKA_INVALID_OPTIONS` naming every problem. */
export function resolveWorkerSettings(
  input: WorkerSettingsInput,
  defaults: WorkerDefaults,
  path = '/worker',
): WorkerSettings {
  const problems: string[] = []
  const settings = checkWorkerSettings(input, defaults, path, problems)
  if (problems.length > 0)
    throw new KafkaError(
      KAFKA_ERROR_CODES.INVALID_OPTIONS,
      `invalid worker options:\n  ${problems.join('\n  ')}`,
      { context: { setting: problems[0]?.split(' ')[0] ?? path } },
    )
  return Object.freeze(settings)
}
