import { access, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClusterAdmin, OffsetPosition } from '@oxagry/kafka'
import type { ResetCommand } from '../args.ts'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import { describeMembers, inputTopicsOf, planReset, type PartitionRange, type ResetPlan } from './plan.ts'

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/** Reads what a reset needs to know: the group, its offsets, the topics, the inputs' ranges, the state directory. */
export async function readResetPlan(admin: ClusterAdmin, command: ResetCommand): Promise<ResetPlan> {
  const { applicationId } = command
  const group = await admin.describeGroup(applicationId)
  const committed = await admin.groupOffsets(applicationId)
  const topics = (await admin.describeTopics()).map((t) => t.name)
  const present = new Set(topics)
  const ranges = new Map<string, Map<number, PartitionRange>>()
  for (const topic of inputTopicsOf(applicationId, committed, command.inputTopics)) {
    if (!present.has(topic)) continue
    const low = await admin.offsetsAt(topic, { kind: 'earliest' })
    const high = await admin.offsetsAt(topic, { kind: 'latest' })
    const at =
      command.to.kind === 'datetime'
        ? await admin.offsetsAt(topic, {
            kind: 'timestamp',
            timestamp: command.to.timestamp,
          } satisfies OffsetPosition)
        : undefined
    ranges.set(
      topic,
      new Map(
        [...low].map(([partition, offset]) => {
          const atTime = at?.get(partition)
          return [
            partition,
            { low: offset, high: high.get(partition) ?? offset, ...(atTime === undefined ? {} : { atTime }) },
          ]
        }),
      ),
    )
  }
  const stateDir =
    command.stateDir === undefined
      ? undefined
      : {
          path: join(command.stateDir, applicationId),
          exists: await exists(join(command.stateDir, applicationId)),
        }
  return planReset({
    applicationId,
    group,
    committed,
    topics,
    ...(command.inputTopics === undefined ? {} : { inputTopics: command.inputTopics }),
    to: command.to,
    ranges,
    ...(stateDir === undefined ? {} : { stateDir }),
  })
}

/** The refusal of a reset while the group has members, naming them. */
export function refusal(plan: ResetPlan): OpsError | undefined {
  if (plan.activeMembers.length === 0) return undefined
  return new OpsError(
    OPS_ERROR_CODES.GROUP_ACTIVE,
    `application ${plan.applicationId} is running: its group has ${plan.activeMembers.length} active member(s): ` +
      `${describeMembers(plan.activeMembers)}; stop every instance first (members of a crashed instance ` +
      'leave once their session times out)',
    { retriable: true, context: { groupId: plan.applicationId } },
  )
}

/**
 * Carries out a plan, in Kafka's tool's order: input offsets, then internal topics, then local state.
 * Refuses, changing nothing, while the group has members.
 */
export async function executeReset(
  admin: ClusterAdmin,
  plan: ResetPlan,
  log: (line: string) => void,
): Promise<void> {
  const refused = refusal(plan)
  if (refused !== undefined) throw refused
  if (plan.offsets.length > 0) {
    await admin.setGroupOffsets(plan.applicationId, plan.offsets)
    log(`reset ${plan.offsets.length} input partition offset(s)`)
  }
  for (const topic of plan.deleteTopics) {
    await admin.deleteTopic(topic)
    log(`deleted ${topic}`)
  }
  if (plan.stateDir.kind === 'remove' && plan.stateDir.exists) {
    try {
      await rm(plan.stateDir.path, { recursive: true, force: true })
    } catch (error) {
      throw new OpsError(
        OPS_ERROR_CODES.STATE_DIR,
        `could not remove ${plan.stateDir.path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
    log(`removed ${plan.stateDir.path}`)
  }
}
