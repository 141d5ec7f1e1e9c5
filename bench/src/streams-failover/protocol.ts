/** What the failover benchmark tells a worker, as its one JSON argument. */
export interface WorkerSpec {
  readonly applicationId: string
  readonly input: string
  readonly output: string
  readonly brokers: string
  readonly stateDir: string
  readonly client: string
  readonly numStandbyReplicas: number
  readonly storeType: 'persistent' | 'in-memory'
  readonly sessionTimeoutMs: number
}

/** A worker's `STATUS` line. */
export interface WorkerStatus {
  readonly tasks: string[]
  readonly standbys: { task: string; offset: string }[]
  readonly restored: { task: string; restored: number; total: number }[]
}

/** What a worker has said so far, from its stdout lines. */
export interface WorkerLog {
  status: WorkerStatus | undefined
  /** Every state it entered, with the wall-clock ms. */
  readonly states: { readonly state: string; readonly at: number }[]
  /** Wall-clock ms at which each probe key was processed (the first time). */
  readonly probes: Map<string, number>
}

export function emptyLog(): WorkerLog {
  return { status: undefined, states: [], probes: new Map() }
}

/** Applies one stdout line of a worker to what is known of it; other lines are ignored. */
export function readLine(log: WorkerLog, line: string): void {
  const [kind, ...rest] = line.trim().split(' ')
  if (kind === 'STATUS') log.status = JSON.parse(rest.join(' ')) as WorkerStatus
  else if (kind === 'STATE' && rest.length === 2)
    log.states.push({ state: rest[0] ?? '', at: Number(rest[1]) })
  else if (kind === 'PROBE' && rest.length === 2 && !log.probes.has(rest[0] ?? ''))
    log.probes.set(rest[0] ?? '', Number(rest[1]))
}

/** When the worker first entered `state` at or after `since`. */
export function enteredSince(log: WorkerLog, state: string, since: number): number | undefined {
  return log.states.find((s) => s.state === state && s.at >= since)?.at
}
