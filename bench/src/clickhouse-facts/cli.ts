/**
 * `npm run bench:clickhouse-facts [-- --orders N --runs R]`: the ClickHouse commerce fact sink's
 * throughput. Synthetic order, status, payment and stock events (Avro, as the applications write them)
 * are put on the in-process broker first; each run then drains them through the sink framework
 * (`runSink`, the platform's batch size) into embedded chdb, from a fresh consumer group into emptied
 * tables, and is timed from start until every item is written. Prints records/s and rows/s per run
 * and their medians.
 */
import { Contracts, createAvroSerde, InMemorySchemaRegistry, type AvroContract } from '@oxagry/avro'
import {
  applyMigrations,
  clickHouseCommerceTarget,
  COMMERCE_TABLES,
  createClickHouseClient,
  decodeCommerceFacts,
  type CommerceFactWrite,
} from '@oxagry/clickhouse'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { runSink } from '@oxagry/sink'
import { creatableTopic, TOPICS } from '@oxagry/topics'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { intFlag, parseFlags } from '../args.ts'
import { median, rate } from '../stats.ts'
import { formatTable } from '../table.ts'
import { factWorkload } from './workload.ts'

const flags = parseFlags(process.argv.slice(2))
const orders = intFlag(flags, 'orders', 10_000)
const runs = intFlag(flags, 'runs', 3)
const batch = { maxRecords: intFlag(flags, 'batch', 2000), maxWaitMs: 250 }

const topics = {
  orderEvents: TOPICS.orderEvents.name,
  orderStatus: TOPICS.orderStatus.name,
  paymentEvents: TOPICS.paymentEvents.name,
  stockEvents: TOPICS.stockEvents.name,
  products: TOPICS.products.name,
}
const backend = new MemoryBackend(new MemoryBroker())
const registry = new InMemorySchemaRegistry()
const clickhouse = createClickHouseClient('chdb::memory:')
const logger = pino({ level: 'warn' })
const serde = <T>(contract: AvroContract<T>, topic: string) =>
  createAvroSerde<T>({ registry, contract, autoRegister: true, topics: [topic] })

const admin = await backend.admin()
await admin.createTopics(
  [
    TOPICS.orderEvents,
    TOPICS.orderStatus,
    TOPICS.paymentEvents,
    TOPICS.stockEvents,
    TOPICS.products,
    TOPICS.ordersDeadLetters,
  ].map((spec) => creatableTopic(spec)),
)
await admin.close()
const serdes = {
  orderEvents: await serde(Contracts.OrderEvent, topics.orderEvents),
  orderStatus: await serde(Contracts.OrderStatus, topics.orderStatus),
  paymentEvents: await serde(Contracts.PaymentEvent, topics.paymentEvents),
  stockEvents: await serde(Contracts.StockEvent, topics.stockEvents),
  products: await serde(Contracts.Product, topics.products),
}
const deadLetters = await serde(Contracts.DeadLetter, TOPICS.ordersDeadLetters.name)

const workload = factWorkload(orders)
const producer = await backend.producer({})
let records = 0
for (const name of ['orderEvents', 'orderStatus', 'paymentEvents', 'stockEvents'] as const) {
  const topic = topics[name]
  const serializer = serdes[name] as {
    serialize(topic: string, value: unknown, headers: object): Promise<Buffer>
  }
  const list = workload[name]
  for (let i = 0; i < list.length; i += 5000) {
    const chunk = list.slice(i, i + 5000)
    await producer.send(
      await Promise.all(
        chunk.map(async (r) => ({
          topic,
          key: Buffer.from(r.key),
          value: await serializer.serialize(topic, r.value, {}),
          timestamp: Date.now(),
          headers: {},
        })),
      ),
    )
  }
  records += list.length
}
await producer.close()
await applyMigrations(clickhouse)

const results: { run: number; ms: number; recordsPerS: number; rowsPerS: number }[] = []
for (let run = 1; run <= runs; run++) {
  for (const table of Object.values(COMMERCE_TABLES))
    await clickhouse.command({ query: `TRUNCATE TABLE ${table}` })
  const metrics = new Registry()
  const groupId = `bench-facts-${run}`
  const started = performance.now()
  const sink = await runSink<CommerceFactWrite>({
    backend,
    groupId,
    topics: Object.values(topics),
    decode: decodeCommerceFacts(topics, serdes),
    target: clickHouseCommerceTarget(clickhouse, { migrate: false }),
    deadLetter: { topic: TOPICS.ordersDeadLetters.name, serializer: deadLetters },
    batch,
    logger,
    metricsRegistry: metrics,
    lagIntervalMs: 0,
  })
  const written = async (): Promise<number> =>
    ((await metrics.getSingleMetric('oxagry_sink_rows_written_total')?.get())?.values ?? []).reduce(
      (s, v) => s + v.value,
      0,
    )
  while ((await written()) < records) await new Promise((resolve) => setTimeout(resolve, 20))
  const ms = performance.now() - started
  await sink.stop()
  const check = await clickhouse.query({
    query: `SELECT count() AS n FROM ${COMMERCE_TABLES.orderLines}`,
    format: 'JSONEachRow',
  })
  const [{ n }] = (await check.json<{ n: string }>()) as [{ n: string }]
  if (Number(n) !== orders * 2)
    throw new Error(`run ${run}: ${n} order lines in ClickHouse, expected ${orders * 2}`)
  results.push({ run, ms, recordsPerS: rate(records, ms) ?? 0, rowsPerS: rate(workload.tableRows, ms) ?? 0 })
}
await backend.close()
await clickhouse.close()

process.stdout.write(
  `ClickHouse commerce fact sink: ${orders} orders, ${records} records, ${workload.tableRows} rows into embedded chdb, batches of ${batch.maxRecords}\n\n`,
)
process.stdout.write(
  formatTable(
    [{ header: 'run' }, { header: 'seconds' }, { header: 'records/s' }, { header: 'rows/s' }],
    [
      ...results.map((r) => [String(r.run), (r.ms / 1000).toFixed(2), r.recordsPerS, r.rowsPerS]),
      [
        'median',
        (median(results.map((r) => r.ms)) / 1000).toFixed(2),
        median(results.map((r) => r.recordsPerS)),
        median(results.map((r) => r.rowsPerS)),
      ],
    ],
  ) + '\n',
)
