import type { TopicSpec as KafkaTopicSpec } from '@oxagry/kafka'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'
import { TOPIC_LIST, type TopicSpec } from './catalogue.ts'

/**
 * Where the catalogue is applied. `production` is the catalogue as declared; `local` is a one-broker
 * cluster (the local stack, CI), where 3 replicas cannot exist. Nothing is capped silently: applying
 * the production profile to a smaller cluster fails and names --profile local.
 */
export const PROFILES = {
  production: { replicationFactor: undefined, minInsyncReplicas: undefined },
  local: { replicationFactor: 1, minInsyncReplicas: 1 },
} as const

export type Profile = keyof typeof PROFILES

/** A topic as it should be on one cluster: the profile applied, configs as Kafka's strings. */
export interface DesiredTopic {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
  readonly config: Readonly<Record<string, string>>
  readonly spec: TopicSpec
}

export function isProfile(value: string): value is Profile {
  return Object.hasOwn(PROFILES, value)
}

/** Kafka topic configs of a spec, with Kafka's names and string values. */
export function topicConfig(spec: TopicSpec, profile: Profile = 'production'): Record<string, string> {
  return {
    'cleanup.policy': spec.cleanupPolicy,
    'retention.ms': String(spec.retentionMs),
    'min.insync.replicas': String(PROFILES[profile].minInsyncReplicas ?? spec.minInsyncReplicas),
    ...spec.config,
  }
}

/**
 * The catalogue as one cluster should hold it. A prefix (tests, a shared cluster) is put before every
 * name; the naming convention applies to what follows it.
 */
export function desiredTopics(
  profile: Profile,
  prefix = '',
  topics: readonly TopicSpec[] = TOPIC_LIST,
): DesiredTopic[] {
  if (!isProfile(profile)) {
    throw new TopicsError(
      TOPICS_ERROR_CODES.INVALID_OPTIONS,
      `/options/profile must be one of ${Object.keys(PROFILES).join(', ')}`,
    )
  }
  if (!/^[a-zA-Z0-9._-]*$/.test(prefix)) {
    throw new TopicsError(
      TOPICS_ERROR_CODES.INVALID_OPTIONS,
      '/options/prefix may hold letters, digits, ".", "_" and "-" only',
    )
  }
  return topics.map((spec) => ({
    name: `${prefix}${spec.name}`,
    partitions: spec.partitions,
    replicationFactor: PROFILES[profile].replicationFactor ?? spec.replicationFactor,
    config: topicConfig(spec, profile),
    spec,
  }))
}

/**
 * A catalogue topic as a Kafka client creates it (the platform's own start, a simulator, a test):
 * partitions, replicas and every config as declared, the profile applied, under `name` when given.
 */
export function creatableTopic(
  spec: TopicSpec,
  { name = spec.name, profile = 'local' }: { name?: string; profile?: Profile } = {},
): KafkaTopicSpec {
  return {
    name,
    partitions: spec.partitions,
    replicationFactor: PROFILES[profile].replicationFactor ?? spec.replicationFactor,
    config: topicConfig(spec, profile),
  }
}
