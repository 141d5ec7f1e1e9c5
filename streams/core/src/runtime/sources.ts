import type { Serde } from '@oxagry/kafka'
import type { SourceNode } from '../topology/nodes.ts'
import type { Subtopology } from '../topology/topology.ts'
import type { RuntimeContext } from './context.ts'
import type { InternalTopics } from './internal-topics.ts'

/** Where records of one input topic go: its sub-topology, source node and serdes. */
export interface SourceRoute {
  readonly sub: Subtopology
  readonly node: SourceNode
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
}

/** The routes of every input topic of the topology, by topic name on the cluster. */
export function sourceRoutes(context: RuntimeContext, topics: InternalTopics): Map<string, SourceRoute> {
  const routes = new Map<string, SourceRoute>()
  for (const sub of context.topology.subtopologies()) {
    for (const node of sub.nodes) {
      if (node.kind !== 'source') continue
      const keySerde = node.keySerde ?? context.defaults.defaultKeySerde
      const valueSerde = node.valueSerde ?? context.defaults.defaultValueSerde
      if (keySerde === undefined || valueSerde === undefined) continue
      for (const ref of node.topics) routes.set(topics.name(ref), { sub, node, keySerde, valueSerde })
    }
  }
  return routes
}
