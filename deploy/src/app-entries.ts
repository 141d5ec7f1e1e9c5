import type { Topology } from '@oxagry/streams'
import type { KafkaAccess } from './acl/model.ts'
import { API_FOLLOWS, API_WRITES } from '@oxagry/main'
import { readerAccess } from './acl/reader-access.ts'
import { sinkAccess, type SinkApplicationSpec } from './acl/sink-access.ts'
import { streamsAccess } from './acl/streams-access.ts'

/**
 * One application of the platform on Kafka: its name, and its access computed from its code (a
 * topology's description, a sink's options, the platform's topic list). Adding an application is one
 * entry in deploy/src/apps.ts; a workload then names the applications it runs.
 */
export interface ApplicationEntry {
  readonly name: string
  access(): Promise<KafkaAccess>
}

/**
 * A stream application from its exported topology builder: `build` returns the topology (serdes made
 * however the application makes them) and the topics its runtime's error handlers dead-letter to.
 */
export function streamsApplication(
  name: string,
  spec: {
    readonly applicationId: string
    readonly processingGuarantee: 'at_least_once' | 'exactly_once'
    build(): Promise<{ topology: Topology; deadLetterTopics: readonly string[] }>
  },
): ApplicationEntry {
  return {
    name,
    access: async () => {
      const { topology, deadLetterTopics } = await spec.build()
      return streamsAccess(name, { ...spec, topology, deadLetterTopics })
    },
  }
}

/** A sink: its consumer group, the topics it stores, the topic it dead-letters to. */
export function sinkApplication(name: string, spec: SinkApplicationSpec): ApplicationEntry {
  return { name, access: async () => sinkAccess(name, spec) }
}

/**
 * The APIs: the live views follow whole topics outside any shared group (`<clientId>-<uuid>`), and the
 * commerce API writes checkouts, stock receipts, provider notifications and booking requests. Both
 * lists are tools/main's, which the API starts from.
 */
export function apiApplication(name: string, clientId: string): ApplicationEntry {
  return {
    name,
    access: async () => ({
      ...readerAccess(name, { clientId, topics: API_FOLLOWS.map((topic) => topic.name) }),
      writeTopics: Object.values(API_WRITES).map((topic) => topic.name),
    }),
  }
}
