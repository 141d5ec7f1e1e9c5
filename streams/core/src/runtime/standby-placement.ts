import { createHash } from 'node:crypto'

/** Another live instance as this one knows it: an id all instances agree on, and its active tasks. */
export interface KnownMember {
  readonly id: string
  readonly active: ReadonlySet<string>
}

export interface PlacementInput {
  /** Every task that has a logged store, whoever runs it. */
  readonly tasks: readonly string[]
  /** This instance's id, in the same space as the members'. */
  readonly self: string
  /** The tasks this instance runs: never its own standbys. */
  readonly active: ReadonlySet<string>
  /** The other live instances known now (none when the instances do not share their state). */
  readonly members: readonly KnownMember[]
  /** `numStandbyReplicas`. */
  readonly replicas: number
}

function weight(task: string, member: string): bigint {
  return createHash('sha256').update(task).update('\0').update(member).digest().readBigUInt64BE(0)
}

/**
 * The tasks this instance keeps a standby of: rendezvous hashing of each task over the live instances
 * other than its owner, the `replicas` heaviest keeping one. Every instance computes the same answer
 * from the same view of the members, so no coordinator is needed; with no view of the others (none
 * known), every instance is the only candidate and warms every task it does not run.
 */
export function standbyTasksFor(input: PlacementInput): Set<string> {
  const mine = new Set<string>()
  if (input.replicas <= 0) return mine
  const others = input.members.filter((m) => m.id !== input.self)
  for (const task of input.tasks) {
    if (input.active.has(task)) continue
    const candidates = [input.self, ...others.filter((m) => !m.active.has(task)).map((m) => m.id)]
    const ranked = candidates
      .map((id) => ({ id, w: weight(task, id) }))
      .sort((a, b) => (a.w === b.w ? a.id.localeCompare(b.id) : a.w > b.w ? -1 : 1))
    if (ranked.slice(0, input.replicas).some((c) => c.id === input.self)) mine.add(task)
  }
  return mine
}
