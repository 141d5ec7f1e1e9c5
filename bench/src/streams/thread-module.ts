/**
 * The `threadModule` of the @oxagry/streams system when the bench runs it with `--threads` above 1:
 * each stream thread builds its own Avro serde, topology and backend on the run's Kafka client. The worker passes the
 * run's parameters in the module URL's query.
 */
import { ConfluentSchemaRegistry, Contracts, createAvroSerde } from '@oxagry/avro'
import { createKafkaBackend, isKafkaClientName } from '@oxagry/kafka'
import type { StreamThreadBuild, StreamThreadInfo } from '@oxagry/streams'
import { pino } from 'pino'
import { SCENARIOS } from '../results.ts'
import { oxagryTopology } from './topologies.ts'

export async function buildStreamThread(info: StreamThreadInfo): Promise<StreamThreadBuild> {
  const params = new URL(import.meta.url).searchParams
  const get = (name: string): string => {
    const value = params.get(name)
    if (value === null) throw new TypeError(`the thread module's URL has no ${name}`)
    return value
  }
  const scenario = SCENARIOS.find((s) => s === get('scenario'))
  if (scenario === undefined) throw new TypeError(`unknown scenario ${get('scenario')}`)
  const client = get('client')
  if (!isKafkaClientName(client)) throw new TypeError(`unknown Kafka client ${client}`)
  const registry = new ConfluentSchemaRegistry({ url: get('registry') })
  const avro = await createAvroSerde({ registry, contract: Contracts.MachinePing, topics: [get('output')] })
  const inputSchemaId = params.get('input-schema-id')
  if (inputSchemaId !== null) await avro.prefetch(Number(inputSchemaId))
  return {
    topology: oxagryTopology(scenario, get('input'), get('output'), avro),
    config: {
      backend: createKafkaBackend(client, { brokers: get('brokers').split(','), sessionTimeoutMs: 10_000 }),
      logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2)).child({
        thread: info.index,
      }),
    },
  }
}

/** The module's URL carrying one run's parameters. */
export function threadModuleUrl(params: Record<string, string>): string {
  const url = new URL('./thread-module.ts', import.meta.url)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.href
}
