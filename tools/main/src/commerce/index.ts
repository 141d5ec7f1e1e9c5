import { fileURLToPath } from 'node:url'

export * from './topics.ts'
export * from './invariants.ts'
export * from './sinks.ts'
export * from './commerce-log.ts'
export { COMMERCE_ROLES, type CommerceRole, type WorkerHealthLine, type WorkerSpec } from './worker.ts'

/** The worker script: `node --import tsx <path> '<WorkerSpec as JSON>'` runs one commerce role. */
export const COMMERCE_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
