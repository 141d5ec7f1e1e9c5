import type { Topology } from '@oxagry/streams'
import type { AclRule } from './model.ts'
import { permits, type AclRequest } from './permits.ts'

/**
 * What a stream application's runtime asks Kafka for, from the topology as the runtime sees it (its
 * sub-topologies' topic references, global stores and internal topics, named as `resolveTopic` does),
 * not from the description the ACL generator reads: reading sources, writing sinks, creating and using
 * internal topics, joining its group and its readers' groups, and one transactional id per task.
 */
export function streamsRequests(
  applicationId: string,
  topology: Topology,
  options: { partitions: number; exactlyOnce: boolean },
): AclRequest[] {
  const name = (ref: { name: string; internal: boolean }): string =>
    ref.internal ? `${applicationId}-${ref.name}` : ref.name
  const requests: AclRequest[] = []
  const subs = topology.subtopologies()
  for (const sub of subs) {
    for (const t of sub.sourceTopics) requests.push({ type: 'topic', name: name(t), operation: 'Read' })
    for (const t of sub.sinkTopics) requests.push({ type: 'topic', name: name(t), operation: 'Write' })
    if (options.exactlyOnce)
      for (let p = 0; p < options.partitions; p++)
        requests.push({
          type: 'transactionalId',
          name: `${applicationId}-${sub.id}_${p}`,
          operation: 'Write',
        })
  }
  for (const g of topology.globalStores) requests.push({ type: 'topic', name: g.topic, operation: 'Read' })
  for (const spec of topology.internalTopics) {
    const topic = `${applicationId}-${spec.name}`
    for (const operation of ['Create', 'Read', 'Write'] as const)
      requests.push({ type: 'topic', name: topic, operation })
  }
  requests.push({ type: 'group', name: applicationId, operation: 'Read' })
  // The restore and global-store readers' throwaway groups (kafkajs' reader: `<clientId>-<uuid>`).
  for (const reader of ['restore', 'global'])
    requests.push({ type: 'group', name: `${applicationId}-${reader}-0a1b2c3d`, operation: 'Read' })
  return requests
}

/** The requests the rules refuse, each as `operation type:name`. */
export function refused(rules: readonly AclRule[], requests: readonly AclRequest[]): string[] {
  return [
    ...new Set(requests.filter((r) => !permits(rules, r)).map((r) => `${r.operation} ${r.type}:${r.name}`)),
  ]
}
