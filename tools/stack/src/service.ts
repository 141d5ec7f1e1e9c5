import type { StackPaths } from './config.ts'

export interface ServiceStatus {
  readonly name: string
  readonly state: 'up' | 'down' | 'starting' | 'in-process'
  readonly address: string
  readonly pid?: number
  readonly detail?: string
}

/** One service of the local stack: fetched or built once into the cache, run under the state dir. */
export interface StackService {
  readonly name: string
  /** Fetches or builds what the service needs; a no-op when the cache already holds it. */
  install(paths: StackPaths): Promise<void>
  /** Starts the service unless it is already running, then waits until it is healthy. */
  start(paths: StackPaths): Promise<'started' | 'already-up'>
  /** Stops the service; resolves false when it was not running. */
  stop(paths: StackPaths): Promise<boolean>
  status(paths: StackPaths): Promise<ServiceStatus>
}
