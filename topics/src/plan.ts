import { DOMAINS, TOPIC_NAME } from './catalogue.ts'
import type { DesiredTopic } from './desired.ts'

/** A topic as the cluster has it. */
export interface ActualTopic {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
  /** Topic-level overrides only (config source TOPIC_CONFIG): what a declaration sets. */
  readonly overrides: Readonly<Record<string, string>>
  /** Every config's effective value, defaults included: to judge what a change would lose. */
  readonly effective: Readonly<Record<string, string>>
}

export interface ConfigChange {
  readonly key: string
  /** Absent: not overridden on the topic now. */
  readonly from?: string
  /** Absent: the override is removed (not declared). */
  readonly to?: string
}

/** What apply does, or would do, to one topic. A discriminated union: reports switch over `kind`. */
export type Change =
  | { readonly kind: 'create'; readonly topic: string; readonly desired: DesiredTopic }
  | { readonly kind: 'add-partitions'; readonly topic: string; readonly from: number; readonly to: number }
  | {
      readonly kind: 'alter-config'
      readonly topic: string
      readonly changes: readonly ConfigChange[]
      /** The complete override set to send: Kafka's AlterConfigs replaces all of a topic's overrides. */
      readonly config: Readonly<Record<string, string>>
    }
  | {
      readonly kind: 'recreate'
      readonly topic: string
      readonly reason: string
      readonly desired: DesiredTopic
    }
  | { readonly kind: 'delete'; readonly topic: string }
  /** Drift that needs a flag to fix because it loses data; reported, not applied. */
  | { readonly kind: 'blocked'; readonly topic: string; readonly reason: string; readonly flag: string }
  /** Drift apply cannot fix (replica reassignment is an operator's job); reported only. */
  | { readonly kind: 'replication-drift'; readonly topic: string; readonly from: number; readonly to: number }
  | { readonly kind: 'undeclared'; readonly topic: string }

export interface PlanOptions {
  /** Allow changes that lose data: fewer partitions (by recreating), shorter retention, another cleanup policy. */
  readonly allowDestructive?: boolean
  /** Delete topics under the prefix that follow the naming convention of a known domain but are not declared. */
  readonly deleteUndeclared?: boolean
  readonly prefix?: string
}

function retention(value: string | undefined): number {
  const n = Number(value ?? '-1')
  return n < 0 ? Number.POSITIVE_INFINITY : n
}

/** Why changing a config from its effective value loses data, if it does. */
function destructive(key: string, from: string | undefined, to: string | undefined): string | undefined {
  if (key === 'cleanup.policy' && from !== undefined && to !== undefined && from !== to) {
    return `cleanup.policy ${from} -> ${to} deletes records the old policy kept`
  }
  if (
    (key === 'retention.ms' || key === 'retention.bytes') &&
    to !== undefined &&
    retention(to) < retention(from)
  ) {
    return `${key} ${from ?? 'default'} -> ${to} deletes older records`
  }
  return undefined
}

function configChanges(desired: DesiredTopic, actual: ActualTopic, allowDestructive: boolean): Change[] {
  const keys = [...new Set([...Object.keys(desired.config), ...Object.keys(actual.overrides)])].sort()
  const changes: ConfigChange[] = []
  const blocked: string[] = []
  const config: Record<string, string> = {}
  for (const key of keys) {
    const from = actual.overrides[key]
    const to = desired.config[key]
    const loss = destructive(key, actual.effective[key] ?? from, to)
    if (loss !== undefined && !allowDestructive) {
      blocked.push(loss)
      // Keep what the topic has: AlterConfigs would otherwise apply the blocked change too.
      if (from !== undefined) config[key] = from
      continue
    }
    if (to !== undefined) config[key] = to
    if (from !== to)
      changes.push({ key, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) })
  }
  const result: Change[] = []
  if (changes.length > 0) result.push({ kind: 'alter-config', topic: desired.name, changes, config })
  for (const reason of blocked) {
    result.push({ kind: 'blocked', topic: desired.name, reason, flag: '--allow-destructive' })
  }
  return result
}

/**
 * The changes that bring a cluster to the catalogue. Pure: the same inputs give the same plan, and a
 * cluster that matches gives none (apply is idempotent). Nothing is deleted or shrunk without a flag.
 */
export function planChanges(
  desired: readonly DesiredTopic[],
  actual: readonly ActualTopic[],
  options: PlanOptions = {},
): Change[] {
  const allowDestructive = options.allowDestructive ?? false
  const prefix = options.prefix ?? ''
  const byName = new Map(actual.map((t) => [t.name, t]))
  const changes: Change[] = []
  for (const want of desired) {
    const have = byName.get(want.name)
    if (have === undefined) {
      changes.push({ kind: 'create', topic: want.name, desired: want })
      continue
    }
    if (want.partitions < have.partitions) {
      const reason = `${have.partitions} partitions, declared ${want.partitions}: Kafka cannot shrink a topic, only recreate it (data lost)`
      changes.push(
        allowDestructive
          ? { kind: 'recreate', topic: want.name, reason, desired: want }
          : { kind: 'blocked', topic: want.name, reason, flag: '--allow-destructive' },
      )
      if (allowDestructive) continue
    } else if (want.partitions > have.partitions) {
      changes.push({ kind: 'add-partitions', topic: want.name, from: have.partitions, to: want.partitions })
    }
    if (want.replicationFactor !== have.replicationFactor) {
      changes.push({
        kind: 'replication-drift',
        topic: want.name,
        from: have.replicationFactor,
        to: want.replicationFactor,
      })
    }
    changes.push(...configChanges(want, have, allowDestructive))
  }
  const declared = new Set(desired.map((t) => t.name))
  for (const have of actual) {
    if (declared.has(have.name) || !have.name.startsWith(prefix)) continue
    const match = TOPIC_NAME.exec(have.name.slice(prefix.length))
    if (match === null || !(DOMAINS as readonly string[]).includes(match.groups?.domain ?? '')) continue
    changes.push(
      options.deleteUndeclared
        ? { kind: 'delete', topic: have.name }
        : { kind: 'undeclared', topic: have.name },
    )
  }
  return changes
}

/** Changes apply carries out; the others are reports. */
export function isAction(change: Change): boolean {
  switch (change.kind) {
    case 'create':
    case 'add-partitions':
    case 'alter-config':
    case 'recreate':
    case 'delete':
      return true
    case 'blocked':
    case 'replication-drift':
    case 'undeclared':
      return false
  }
}

/** One line per change, for people. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'create': {
      const d = change.desired
      const config = Object.entries(d.config).map(([k, v]) => `${k}=${v}`)
      return `create      ${change.topic} partitions=${d.partitions} replicas=${d.replicationFactor} ${config.join(' ')}`
    }
    case 'add-partitions':
      return `partitions  ${change.topic} ${change.from} -> ${change.to}`
    case 'alter-config':
      return `config      ${change.topic} ${change.changes.map((c) => `${c.key}: ${c.from ?? '(default)'} -> ${c.to ?? '(default)'}`).join(', ')}`
    case 'recreate':
      return `RECREATE    ${change.topic}: ${change.reason}`
    case 'delete':
      return `DELETE      ${change.topic}: not in the catalogue`
    case 'blocked':
      return `blocked     ${change.topic}: ${change.reason} (pass ${change.flag})`
    case 'replication-drift':
      return `drift       ${change.topic}: ${change.from} replicas, declared ${change.to} (not changed: reassign partitions by hand)`
    case 'undeclared':
      return `undeclared  ${change.topic}: not in the catalogue (pass --delete-undeclared to delete)`
  }
}
