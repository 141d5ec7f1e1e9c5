/**
 * Whether a topic is one of an application's internal topics, by name, as Kafka's StreamsResetter
 * decides (`matchesInternalTopicFormat`) and as our runtime names them: `<applicationId>-` followed by a
 * store's `-changelog`, a repartition's `-repartition`, or a foreign-key join's
 * `-subscription-registration-topic` / `-subscription-response-topic` (named)
 * or `-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-<n>-topic` / `...-RESPONSE-<n>-topic` (unnamed)
 * (streams/core: runtime/internal-topics.ts, dsl/builder-context.ts, dsl/fk-join.ts).
 */
export function isInternalTopic(applicationId: string, topic: string): boolean {
  if (!topic.startsWith(`${applicationId}-`)) return false
  return (
    topic.endsWith('-changelog') ||
    topic.endsWith('-repartition') ||
    topic.endsWith('-subscription-registration-topic') ||
    topic.endsWith('-subscription-response-topic') ||
    // A foreign-key join without a name: its topics are named after their generated node names.
    /-KTABLE-FK-JOIN-SUBSCRIPTION-(REGISTRATION|RESPONSE)-\d+-topic$/.test(topic)
  )
}
