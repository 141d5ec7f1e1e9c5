import type { Serde } from '../serde.ts'
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

export function pick(
  own: Serde<unknown> | undefined,
  fallback: Serde<unknown> | undefined,
  what: string,
): Serde<unknown> {
  const serde = own ?? fallback
  if (serde === undefined) throw new Error(`${what} has no serde`)
  return serde
}
