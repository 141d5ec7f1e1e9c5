import type { Topology } from '@oxagry/streams'
import { DEPLOY_ERROR_CODES, DeployError } from '../errors.ts'
import { NO_ACCESS, type KafkaAccess } from './model.ts'

export interface StreamsApplicationSpec {
  readonly applicationId: string
  readonly topology: Topology
  readonly processingGuarantee: 'at_least_once' | 'exactly_once'
  /** Topics the runtime's error handlers write dead letters to (`deserializationErrorHandler`...). */
  readonly deadLetterTopics: readonly string[]
}

/** How the topology description writes an internal topic: `<app>-<name>`. */
const INTERNAL = '<app>-'
const EXTRACTED = '(extracted per record)'

/**
 * A stream application's access, from its topology's description: it reads its source and global-store
 * topics and writes its sink topics; it owns every topic, group and transactional id under
 * `<applicationId>-` (changelogs and repartition topics, which it creates; the groups its restore and
 * global-store readers join; under exactly-once its transactional ids, `<applicationId>-<task>` per task
 * or `<applicationId>-<processId>-<thread>` per thread, as the backend's TransactionalIdScheme says),
 * and joins the group named by its application id.
 */
export function streamsAccess(application: string, spec: StreamsApplicationSpec): KafkaAccess {
  const description = spec.topology.describe()
  const reads = new Set<string>()
  const writes = new Set<string>(spec.deadLetterTopics)
  for (const sub of description.subtopologies) {
    for (const node of sub.nodes) {
      if (node.kind === 'source') for (const t of node.topics ?? []) if (!t.startsWith(INTERNAL)) reads.add(t)
      if (node.kind === 'sink' && node.topic !== undefined) {
        if (node.topic === EXTRACTED) {
          throw new DeployError(
            DEPLOY_ERROR_CODES.UNRESOLVABLE_TOPIC,
            `${application}: sink ${node.name} chooses its topic per record; an ACL cannot name it`,
            { context: { application, node: node.name } },
          )
        }
        if (!node.topic.startsWith(INTERNAL)) writes.add(node.topic)
      }
    }
  }
  for (const g of description.globalStores) reads.add(g.topic)
  const owned = `${spec.applicationId}-`
  return {
    ...NO_ACCESS,
    application,
    readTopics: [...reads],
    writeTopics: [...writes],
    topicPrefixes: [owned],
    groups: [spec.applicationId],
    groupPrefixes: [owned],
    transactionalIdPrefixes: spec.processingGuarantee === 'exactly_once' ? [owned] : [],
  }
}
