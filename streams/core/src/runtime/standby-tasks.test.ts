import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { Serdes, type BrokerRecord, type KafkaBackend, type PartitionOffset } from '@oxagry/kafka'
import type { KeyValueStore } from '../state/store.ts'
import { resolveConfig } from './config.ts'
import type { RuntimeContext } from './context.ts'
import { changelogTopic } from './internal-topics.ts'
import { StreamsMetrics } from './metrics.ts'
import { effectiveDefaults } from './serdes-resolution.ts'
import type { SourceRoute } from './sources.ts'
import { countTopology } from './integration-fixtures.ts'
import { StandbyTasks } from './standby-tasks.ts'
import { StateManager } from './state-manager.ts'

const L = Serdes.Long()
const CHANGELOG = changelogTopic('sb', 'counts')

function change(offset: number, key: string, count: number): BrokerRecord {
  return {
    topic: CHANGELOG,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(key),
    value: L.serialize(CHANGELOG, count, {}) as Buffer,
    timestamp: 0,
    headers: {},
  }
}

test('a standby applies each changelog record once, in order, even when a client hands an older batch again', async (t) => {
  const topology = countTopology('in', 'out')
  const followed: PartitionOffset[][] = []
  // A client whose seek took effect after its first fetch: the batch from the start comes again.
  const backend = {
    reader: () => ({
      follow: async (
        partitions: readonly PartitionOffset[],
        onRecords: (r: BrokerRecord[]) => Promise<void>,
      ) => {
        followed.push([...partitions])
        await onRecords([change(0, 'a', 1), change(1, 'b', 1), change(2, 'a', 2)])
        await onRecords([change(0, 'a', 1), change(1, 'b', 1)])
        await onRecords([change(3, 'b', 2)])
        return { stop: async () => {} }
      },
      close: async () => {},
    }),
  } as unknown as KafkaBackend
  const config = resolveConfig(
    { applicationId: 'sb', backend, numStandbyReplicas: 1 },
    mkdtempSync(join(tmpdir(), 'standby-tasks-')),
  )
  const context: RuntimeContext = {
    config,
    topology,
    defaults: effectiveDefaults(topology, config),
    logger: pino({ level: 'silent' }),
    metrics: new StreamsMetrics(new Registry(), () => []),
  }
  const sub = topology.subtopologies()[0]
  if (sub === undefined) throw new Error('no sub-topology')
  const routes = new Map([['in', { sub } as unknown as SourceRoute]])
  const standbys = new StandbyTasks(context, {
    backend,
    routes,
    partitionsOf: () => 1,
    state: new StateManager(context),
    members: () => ({ self: '', members: [] }),
  })
  await standbys.update(new Set())
  t.deepEqual(followed, [[{ topic: CHANGELOG, partition: 0, offset: '0' }]])
  // The follow runs beside the caller; its records are in by the time release() has stopped it.
  const warm = await standbys.release('0_0')
  const store = warm?.stores.get('counts') as unknown as KeyValueStore<string, number>
  t.is(store.get('a'), 2)
  t.is(store.get('b'), 2)
  t.deepEqual([...(warm?.offsets ?? [])], [[`${CHANGELOG}:0`, '4']])
  t.deepEqual(standbys.ids, [])
})
