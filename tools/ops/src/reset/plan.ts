import type { GroupDescription, GroupMember, PartitionOffset } from '@oxagry/kafka'
import type { ResetTarget } from '../args.ts'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import { isInternalTopic } from './internal-topics.ts'

/** A partition's offsets: where it starts and ends, and where the target time falls when one was given. */
export interface PartitionRange {
  readonly low: string
  readonly high: string
  /** The first offset at or after `--to-datetime` (the end when every record is older). */
  readonly atTime?: string
}

/** What the cluster and the disk say, read before anything changes. */
export interface ResetFacts {
  readonly applicationId: string
  readonly group: GroupDescription
  /** Every offset the application's group has committed. */
  readonly committed: readonly PartitionOffset[]
  /** Every topic of the cluster. */
  readonly topics: readonly string[]
  /** The input topics named on the command line; undefined: those the group committed on. */
  readonly inputTopics?: readonly string[]
  readonly to: ResetTarget
  /** Each input topic's partitions, by partition. */
  readonly ranges: ReadonlyMap<string, ReadonlyMap<number, PartitionRange>>
  /** `<state-dir>/<applicationId>` and whether it exists; undefined when no state directory was given. */
  readonly stateDir?: { readonly path: string; readonly exists: boolean }
}

export interface OffsetChange extends PartitionOffset {
  /** What the group had committed; undefined when it never committed on the partition. */
  readonly from?: string
}

/** Everything a reset does, in order: printed by `--dry-run`, carried out otherwise. */
export interface ResetPlan {
  readonly applicationId: string
  readonly groupState: string
  /** Members of the group: a reset is refused while there are any. */
  readonly activeMembers: readonly GroupMember[]
  readonly to: ResetTarget
  readonly inputTopics: readonly string[]
  /** Where inputs came from: the command line, or the group's committed offsets. */
  readonly inputsFrom: 'option' | 'committed'
  readonly offsets: readonly OffsetChange[]
  readonly deleteTopics: readonly string[]
  readonly stateDir:
    | { readonly kind: 'remove'; readonly path: string; readonly exists: boolean }
    | { readonly kind: 'not-given' }
}

/** The input topics: as given, else every topic the group committed on that is not one of its internal topics. */
export function inputTopicsOf(
  applicationId: string,
  committed: readonly PartitionOffset[],
  given?: readonly string[],
): string[] {
  if (given !== undefined) return [...new Set(given)].sort()
  return [...new Set(committed.map((o) => o.topic))].filter((t) => !isInternalTopic(applicationId, t)).sort()
}

function clamp(offset: bigint, range: PartitionRange): string {
  const low = BigInt(range.low)
  const high = BigInt(range.high)
  return (offset < low ? low : offset > high ? high : offset).toString()
}

function targetOf(to: ResetTarget, range: PartitionRange, where: string): string {
  switch (to.kind) {
    case 'earliest':
      return range.low
    case 'offset':
      return clamp(to.offset, range)
    case 'datetime':
      if (range.atTime === undefined)
        throw new OpsError(OPS_ERROR_CODES.NOT_FOUND, `${where}: no offset was read for --to-datetime`)
      return range.atTime
    default: {
      const never: never = to
      return never
    }
  }
}

/** The plan of a reset from the facts; an input topic that does not exist is an error naming it. */
export function planReset(facts: ResetFacts): ResetPlan {
  const { applicationId } = facts
  const inputTopics = inputTopicsOf(applicationId, facts.committed, facts.inputTopics)
  const missing = inputTopics.filter((t) => !facts.ranges.has(t))
  if (missing.length > 0)
    throw new OpsError(OPS_ERROR_CODES.NOT_FOUND, `input topics do not exist: ${missing.join(', ')}`, {
      context: { ...(missing[0] === undefined ? {} : { topic: missing[0] }), groupId: applicationId },
    })
  const committed = new Map(facts.committed.map((o) => [`${o.topic}:${o.partition}`, o.offset]))
  const offsets: OffsetChange[] = []
  for (const topic of inputTopics) {
    const ranges = [...(facts.ranges.get(topic) ?? new Map<number, PartitionRange>())].sort(
      ([a], [b]) => a - b,
    )
    for (const [partition, range] of ranges) {
      const from = committed.get(`${topic}:${partition}`)
      offsets.push({
        topic,
        partition,
        offset: targetOf(facts.to, range, `${topic}:${partition}`),
        ...(from === undefined ? {} : { from }),
      })
    }
  }
  const inputs = new Set(inputTopics)
  return {
    applicationId,
    groupState: facts.group.state,
    activeMembers: facts.group.members,
    to: facts.to,
    inputTopics,
    inputsFrom: facts.inputTopics === undefined ? 'committed' : 'option',
    offsets,
    // An input that happens to be named like an internal topic is never deleted (Kafka's KAFKA-7930).
    deleteTopics: facts.topics.filter((t) => isInternalTopic(applicationId, t) && !inputs.has(t)).sort(),
    stateDir:
      facts.stateDir === undefined
        ? { kind: 'not-given' }
        : { kind: 'remove', path: facts.stateDir.path, exists: facts.stateDir.exists },
  }
}

export function describeMembers(members: readonly GroupMember[]): string {
  return members.map((m) => `${m.clientId} on ${m.host} (member ${m.memberId})`).join('; ')
}

function describeTarget(to: ResetTarget): string {
  switch (to.kind) {
    case 'earliest':
      return 'the earliest'
    case 'offset':
      return `offset ${to.offset}`
    case 'datetime':
      return `the first record at or after ${new Date(to.timestamp).toISOString()}`
    default: {
      const never: never = to
      return never
    }
  }
}

/** The plan as the lines `--dry-run` prints and a reset reports. */
export function formatPlan(plan: ResetPlan): string[] {
  const lines = [
    `application ${plan.applicationId}: group ${plan.applicationId} is ${plan.groupState}, ` +
      (plan.activeMembers.length === 0
        ? 'no active members'
        : `${plan.activeMembers.length} active member(s): ${describeMembers(plan.activeMembers)}`),
  ]
  const source = plan.inputsFrom === 'option' ? '--input-topics' : 'the group committed offsets for'
  if (plan.inputTopics.length === 0) lines.push(`input topics (${source}): none`)
  else {
    lines.push(`input topics (${source}): reset to ${describeTarget(plan.to)}`)
    for (const o of plan.offsets)
      lines.push(`  ${o.topic}:${o.partition}  ${o.from ?? '(no commit)'} -> ${o.offset}`)
  }
  if (plan.deleteTopics.length === 0) lines.push('internal topics: none')
  else {
    lines.push('internal topics: delete')
    for (const t of plan.deleteTopics) lines.push(`  ${t}`)
  }
  switch (plan.stateDir.kind) {
    case 'not-given':
      lines.push(
        'local state: no --state-dir or $STATE_DIR given, left alone (remove it on every host that ran the application)',
      )
      break
    case 'remove':
      lines.push(
        plan.stateDir.exists
          ? `local state: remove ${plan.stateDir.path}`
          : `local state: ${plan.stateDir.path} does not exist, nothing to remove`,
      )
      break
    default: {
      const never: never = plan.stateDir
      return never
    }
  }
  return lines
}
