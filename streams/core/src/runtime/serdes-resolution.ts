import type { DefaultSerdes, Topology } from '../topology/topology.ts'

/** The defaults in force: the builder's first, then the runtime config's. */
export function effectiveDefaults(topology: Topology, config: DefaultSerdes): DefaultSerdes {
  const key = topology.builderDefaults.defaultKeySerde ?? config.defaultKeySerde
  const value = topology.builderDefaults.defaultValueSerde ?? config.defaultValueSerde
  return {
    ...(key === undefined ? {} : { defaultKeySerde: key }),
    ...(value === undefined ? {} : { defaultValueSerde: value }),
  }
}
