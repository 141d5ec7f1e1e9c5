/**
 * A sink process for the crash test (not a test itself): runs the fleet sinks against Kafka, MongoDB
 * and a chdb directory, slowed down and reporting each write on stdout, so the test can SIGKILL it
 * between a write and its commit. With CRASH_MODE=count it prints the ClickHouse counts and exits.
 */
import { pino } from 'pino'
import { Contracts, InMemorySchemaRegistry, createAvroSerde } from '@oxagry/avro'
import { createClickHouseClient, FLEET_TABLES } from '@oxagry/clickhouse'
import type { SinkTarget } from '@oxagry/sink'
import { KafkaJsBackend } from '@oxagry/kafka'
import { startFleetSinks } from './fleet-sinks.ts'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`)
const clickhouse = createClickHouseClient(env('CLICKHOUSE_URL'))

if (process.env.CRASH_MODE === 'count') {
  const prefix = env('CRASH_MACHINE_PREFIX')
  const result = await clickhouse.query({
    query: `SELECT count() AS raw, uniqExact(ping_id) AS distinct,
              (SELECT count() FROM ${FLEET_TABLES.pings} FINAL WHERE startsWith(machine_id, {p:String})) AS final
            FROM ${FLEET_TABLES.pings} WHERE startsWith(machine_id, {p:String})`,
    query_params: { p: prefix },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<Record<string, number | string>>()
  say({ event: 'counts', raw: Number(row?.raw), distinct: Number(row?.distinct), final: Number(row?.final) })
  await clickhouse.close()
  process.exit(0)
}

const slowMs = Number(process.env.CRASH_SLOW_MS ?? '0')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
function slowed<T>(target: SinkTarget<T>): SinkTarget<T> {
  return {
    name: target.name,
    start: () => target.start?.() ?? Promise.resolve(),
    close: () => target.close?.() ?? Promise.resolve(),
    async write(items, context) {
      say({ event: 'writing', target: target.name, batchId: context.batchId, items: items.length })
      await sleep(slowMs)
      await target.write(items, context)
      // Written and durable, not yet committed: the window the test kills in.
      say({ event: 'written', target: target.name, batchId: context.batchId, items: items.length })
      await sleep(slowMs)
    },
  }
}

// The in-memory registry derives ids from the schema, so the test's producer and this process agree.
const registry = new InMemorySchemaRegistry()
await createAvroSerde({
  registry,
  contract: Contracts.MachinePing,
  autoRegister: true,
  topics: [env('CRASH_PINGS')],
})
await createAvroSerde({
  registry,
  contract: Contracts.MachinePosition,
  autoRegister: true,
  topics: [env('CRASH_POSITIONS')],
})
const logger = pino({ level: 'warn' }, pino.destination(2))
const fleet = await startFleetSinks({
  backend: new KafkaJsBackend({ brokers: env('KAFKA_BROKERS').split(','), sessionTimeoutMs: 6000, logger }),
  registry,
  topics: {
    acceptedPings: env('CRASH_PINGS'),
    positions: env('CRASH_POSITIONS'),
    deadLetters: env('CRASH_DEAD_LETTERS'),
  },
  mongo: { url: env('MONGODB_URL'), database: env('CRASH_MONGO_DB') },
  clickhouse,
  groupPrefix: env('CRASH_GROUP'),
  batch: { maxRecords: 50, maxWaitMs: 200 },
  logger,
  wrap: slowed,
})
say({ event: 'started' })
process.once('SIGTERM', () => {
  void fleet.stop().then(async () => {
    await clickhouse.close()
    say({ event: 'stopped' })
    process.exit(0)
  })
})
