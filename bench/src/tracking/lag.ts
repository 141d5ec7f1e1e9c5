import type { Admin } from 'kafkajs'

/** A consumer group and the topic it reads: its lag is what the topic holds past the group's commits. */
export interface GroupTopic {
  readonly groupId: string
  readonly topic: string
}

/**
 * Records of `topic` not yet committed by `groupId`, summed over partitions: end offset − committed
 * offset, from the log start where the group never committed. A group commits in steps (tracking once a
 * second, a sink after each batch), so a group that keeps up still shows up to a step's worth.
 */
export async function groupLag(admin: Admin, { groupId, topic }: GroupTopic): Promise<number> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ])
  const at = new Map<number, number>()
  for (const t of committed) for (const p of t.partitions) at.set(p.partition, Number(p.offset))
  let lag = 0
  for (const p of ends) {
    const end = Number(p.high)
    const done = at.get(p.partition) ?? -1
    lag += Math.max(0, end - (done < 0 ? Number(p.low) : done))
  }
  return lag
}

/** Records in a topic: the sum of its partitions' end offsets (nothing is deleted during a run). */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0)
}
