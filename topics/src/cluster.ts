import type { ClusterAdmin } from '@oxagry/kafka'
import type { ActualTopic, Change } from './plan.ts'

/** The topics under a prefix as the cluster has them: partitions, replicas and configs. */
export async function readTopics(admin: ClusterAdmin, prefix = ''): Promise<ActualTopic[]> {
  return (await admin.describeTopics(prefix)).map((t) => ({
    name: t.name,
    partitions: t.partitions,
    replicationFactor: t.replicationFactor,
    overrides: Object.fromEntries(t.configs.filter((c) => c.override).map((c) => [c.name, c.value])),
    effective: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
  }))
}

/** Carries out the actions of a plan, in an order that works: deletions, creations, partitions, configs. */
export async function executeChanges(admin: ClusterAdmin, changes: readonly Change[]): Promise<void> {
  const order = ['delete', 'recreate', 'create', 'add-partitions', 'alter-config'] as const
  for (const kind of order) {
    for (const change of changes) {
      if (change.kind !== kind) continue
      switch (change.kind) {
        case 'delete':
          await admin.deleteTopic(change.topic)
          break
        case 'recreate':
        case 'create': {
          const d = change.desired
          const topic = {
            name: d.name,
            partitions: d.partitions,
            replicationFactor: d.replicationFactor,
            config: d.config,
          }
          await (change.kind === 'recreate' ? admin.recreateTopic(topic) : admin.createTopic(topic))
          break
        }
        case 'add-partitions':
          await admin.addPartitions(change.topic, change.to)
          break
        case 'alter-config':
          await admin.alterTopicConfig(change.topic, change.config)
          break
      }
    }
  }
}
