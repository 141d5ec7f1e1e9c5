import { NO_ACCESS, type KafkaAccess } from './model.ts'

export interface SinkApplicationSpec {
  readonly groupId: string
  readonly topics: readonly string[]
  readonly deadLetterTopic: string
}

/** A sink's access: it reads its topics in its group and writes what it cannot store as dead letters. */
export function sinkAccess(application: string, spec: SinkApplicationSpec): KafkaAccess {
  return {
    ...NO_ACCESS,
    application,
    readTopics: spec.topics,
    writeTopics: [spec.deadLetterTopic],
    groups: [spec.groupId],
  }
}
