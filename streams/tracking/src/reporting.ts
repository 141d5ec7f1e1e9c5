import type { MachinePosition } from '@oxagry/avro'
import { StreamsState, type KafkaStreams, type ReadOnlyKeyValueStore } from '@oxagry/streams'
import { Gauge, type Registry } from 'prom-client'
import { TRACKING_STORES } from './topology.ts'

/** A machine reports when its latest fix is at most this old. */
export const REPORTING_WINDOW_MS = 5 * 60_000
export const MACHINES_REPORTING = 'oxagry_fleet_machines_reporting'

export type Reporting = () => { application: string; machines: number } | undefined

/** The sources of every tracking instance sharing a registry: one gauge collects them all. */
const SOURCES = new WeakMap<Registry, Set<Reporting>>()

/**
 * The machines-reporting gauge of a registry (made on first use, shared by every tracking instance in
 * it): the set its scrape asks.
 */
export function machinesReportingGauge(registry: Registry): Set<Reporting> {
  const known = SOURCES.get(registry)
  if (known !== undefined) return known
  const all = new Set<Reporting>()
  SOURCES.set(registry, all)
  new Gauge({
    name: MACHINES_REPORTING,
    help: `Machines whose latest position is at most ${REPORTING_WINDOW_MS / 60_000} minutes old`,
    labelNames: ['application'],
    registers: [registry],
    collect() {
      this.reset()
      for (const source of all) {
        const counted = source()
        if (counted !== undefined) this.set({ application: counted.application }, counted.machines)
      }
    },
  })
  return all
}

/**
 * Machines whose latest fix is recent (within REPORTING_WINDOW_MS of the wall clock), counted at scrape
 * time from this instance's positions store: the machines of the partitions it owns. Returns what
 * takes the instance out of the gauge when it closes.
 */
export function machinesReporting(registry: Registry, streams: KafkaStreams): () => void {
  const sources = machinesReportingGauge(registry)
  const source: Reporting = () => {
    if (streams.state !== StreamsState.RUNNING) return undefined
    const positions = streams.store(TRACKING_STORES.positions, 'keyValue') as ReadOnlyKeyValueStore<
      string,
      MachinePosition
    >
    const since = Date.now() - REPORTING_WINDOW_MS
    let machines = 0
    for (const { value } of positions.all()) if (value.eventTime >= since) machines++
    return { application: streams.config.applicationId, machines }
  }
  sources.add(source)
  return () => sources.delete(source)
}
