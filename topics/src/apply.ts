import { connectClusterAdmin, type ClusterAdmin, type KafkaConnection } from '@oxagry/kafka'
import { assertCatalogue, TOPIC_LIST, type TopicSpec } from './catalogue.ts'
import { executeChanges, readTopics } from './cluster.ts'
import { desiredTopics, type Profile } from './desired.ts'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'
import { isAction, planChanges, type Change } from './plan.ts'

export interface ApplyOptions {
  /** The cluster: brokers, and TLS and SASL where it asks for them. */
  readonly connection: KafkaConnection
  readonly profile: Profile
  /** Put before every topic name (tests, a cluster shared between environments). Default none. */
  readonly prefix?: string
  /** Report what would change, change nothing. */
  readonly dryRun?: boolean
  readonly allowDestructive?: boolean
  readonly deleteUndeclared?: boolean
  /** The catalogue to apply; the declared one unless a test narrows it. */
  readonly topics?: readonly TopicSpec[]
  /** An admin client to use instead of connecting one (it is left connected). */
  readonly admin?: ClusterAdmin
}

export interface ApplyReport {
  /** Everything found: actions (applied unless dry run) and drift that was only reported. */
  readonly changes: readonly Change[]
  readonly applied: boolean
  /** True when the cluster matches the catalogue after the run: nothing left to do or report. */
  readonly inSync: boolean
}

/** `topics apply`: brings a cluster to the catalogue, idempotently. */
export async function applyTopics(options: ApplyOptions): Promise<ApplyReport> {
  if (options.topics === undefined) assertCatalogue()
  if (!Array.isArray(options.connection?.brokers) || options.connection.brokers.length === 0) {
    throw new TopicsError(
      TOPICS_ERROR_CODES.INVALID_OPTIONS,
      '/options/connection/brokers must list at least one broker',
    )
  }
  const prefix = options.prefix ?? ''
  const desired = desiredTopics(options.profile, prefix, options.topics ?? TOPIC_LIST)
  const admin =
    options.admin ?? (await connectClusterAdmin(options.connection, { clientId: 'oxagry-topics' }))
  try {
    const brokers = await admin.brokerCount()
    const tooBig = desired.filter((t) => t.replicationFactor > brokers)
    if (tooBig.length > 0) {
      throw new TopicsError(
        TOPICS_ERROR_CODES.CLUSTER_TOO_SMALL,
        `the cluster has ${brokers} broker(s), but ${tooBig.length} topic(s) want more replicas ` +
          `(${tooBig[0]?.name} wants ${tooBig[0]?.replicationFactor}). For a one-broker cluster use --profile local.`,
      )
    }
    const changes = planChanges(desired, await readTopics(admin, prefix), {
      prefix,
      allowDestructive: options.allowDestructive ?? false,
      deleteUndeclared: options.deleteUndeclared ?? false,
    })
    const actions = changes.filter(isAction)
    const dryRun = options.dryRun ?? false
    if (!dryRun && actions.length > 0) await executeChanges(admin, actions)
    const remaining = dryRun ? changes : changes.filter((c) => !isAction(c))
    return { changes, applied: !dryRun && actions.length > 0, inSync: remaining.length === 0 }
  } finally {
    if (options.admin === undefined) await admin.close()
  }
}
