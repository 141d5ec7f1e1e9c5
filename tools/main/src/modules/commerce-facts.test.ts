import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { Contracts, ConfluentSchemaRegistry, createAvroSerde } from '@oxagry/avro'
import {
  clickHouseCommerceTarget,
  clickHouseFleetTarget,
  COMMERCE_TABLES,
  createClickHouseClient,
  decodeCommerceFacts,
  type ClickHouseFleetWrite,
  type CommerceFactWrite,
} from '@oxagry/clickhouse'
import { MemoryBackend, MemoryBroker, readTopic, type KafkaBackend } from '@oxagry/kafka'
import { startEmbeddedRegistry } from '@oxagry/registry'
import {
  createBackendPingSink,
  createFleet,
  createMarket,
  createMarketSink,
  createSimulatorSerdes,
} from '@oxagry/simulator'
import { decodeSessions, runSink, type SinkHandle } from '@oxagry/sink'
import { creatableTopic } from '@oxagry/topics'
import { createTrackingSerdes, startTracking } from '@oxagry/tracking'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { checkAnalystExamples, clickHouseFactCounts, eventLogFactCounts } from '../analytics/check.ts'
import { normaliseAnswer } from '../analytics/compare.ts'
import { readEventLog, type EventLogTopics } from '../analytics/event-log.ts'
import { COMMERCE, commerceTopicNames, marketTopicsOf } from '../commerce/topics.ts'
import { readConfig } from '../config.ts'
import type { PlatformContext } from '../module.ts'
import { FLEET } from '../names.ts'
import { commerceModule } from './commerce.ts'
import { commerceFactsModule } from './commerce-facts.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

/** Records ever written to the topics: once it stops moving, the applications writing them are idle. */
async function recordCount(backend: KafkaBackend, topics: readonly string[]): Promise<number> {
  const admin = await backend.admin()
  try {
    let n = 0
    for (const topic of topics) for (const end of (await admin.endOffsets(topic)).values()) n += Number(end)
    return n
  } finally {
    await admin.close()
  }
}

async function settle(backend: KafkaBackend, topics: readonly string[], quietMs: number): Promise<void> {
  let last = -1
  let since = Date.now()
  await until(
    'the topics to settle',
    async () => {
      const now = await recordCount(backend, topics)
      if (now !== last) [last, since] = [now, Date.now()]
      return Date.now() - since >= quietMs
    },
    120_000,
  )
}

test('every README example answers what the event log says, also after duplicated deliveries', async (t) => {
  t.timeout(600_000)
  const stateDir = mkdtempSync(join(tmpdir(), 'commerce-facts-'))
  const logger = pino({ level: 'error' })
  const backend = new MemoryBackend(new MemoryBroker())
  const embedded = await startEmbeddedRegistry()
  const registry = new ConfluentSchemaRegistry({ url: embedded.url, clientId: 'commerce-facts-test' })
  const clickhouse = createClickHouseClient('chdb::memory:')
  const metrics = new Registry()
  const config = readConfig({ STATE_DIR: stateDir, SIMULATOR: 'off' })
  const context: PlatformContext = {
    config,
    logger,
    backend,
    registry,
    clickhouse,
    metrics,
    topic: (spec) => spec.name,
    group: (name) => `facts-test-${name}`,
    sinks: { backend, logger, metricsRegistry: metrics, batch: { maxRecords: 500, maxWaitMs: 100 } },
    follow: () => Promise.reject(new Error('no live views in this test')),
    describe: () => {},
    apiUrl: () => undefined,
    runs: () => true,
    simulating: false,
    simulation: {},
  }
  const admin = await backend.admin()
  await admin.createTopics(
    [...Object.values(COMMERCE), ...Object.values(FLEET)].map((spec) => creatableTopic(spec)),
  )
  await admin.close()
  const names = commerceTopicNames((spec) => spec.name)
  const logTopics: EventLogTopics = {
    orderEvents: names.orderEvents,
    orderStatus: names.orderStatus,
    paymentEvents: names.paymentEvents,
    stockEvents: names.stockEvents,
    products: names.products,
    sessions: FLEET.sessions.name,
  }
  const factTopics = Object.values(logTopics)
  const sinks: SinkHandle[] = []
  try {
    // The commerce flow as npm start runs it, and the fact sink under test.
    const commerce = await commerceModule().start(context)
    const facts = await commerceFactsModule().start(context)
    sinks.push(...Object.values(facts.sinks))

    // The simulated market at 40 checkouts/s for 6 s, with cancellations and quick deliveries.
    const market = createMarket({
      seed: 11,
      ordersPerSecond: 15,
      cancelRate: 0.1,
      cancelAfterMs: 1000,
      deliverAfterMs: 20_000,
      retryRate: 0.05,
      receiptUnits: 10,
      badData: { unknownProduct: 0.02, wrongCurrency: 0.02, reusedKeyOtherBody: 0.02 },
    })
    const marketSink = await createMarketSink({
      backend,
      registry,
      topics: marketTopicsOf(names),
      autoRegister: true,
    })
    const start = Date.now()
    await marketSink.send(market.opening(start))
    // Checkouts for 5 s, then only the follow-ups (cancellations, deliveries) of the orders sent.
    const sent = new Set<string>()
    while (Date.now() - start < 5_000 + 21_000) {
      const checkingOut = Date.now() - start < 5_000
      const due = market.tick(Date.now()).filter((r) => {
        if (r.kind === 'order') return checkingOut && (sent.add(r.key), true)
        return r.kind !== 'command' || sent.has(r.key)
      })
      await marketSink.send(due)
      await sleep(100)
    }
    await settle(backend, Object.values(names), 3_000)
    // An operator refunds every third completed order: revenue is captured minus refunded.
    const completed = [...(await readEventLog(backend, registry, logTopics)).orderStatus.values()].filter(
      (s) => s.state === 'COMPLETED',
    )
    await marketSink.send(
      completed
        .filter((_, i) => i % 3 === 0)
        .map((s) => ({
          kind: 'command' as const,
          key: s.orderId,
          at: Date.now(),
          value: {
            commandId: `refund-${s.orderId}`,
            orderId: s.orderId,
            occurredAt: Date.now(),
            payload: { 'dev.oxagry.orders.RefundOrder': { reason: 'goods damaged' } },
          },
        })),
    )
    await marketSink.close()
    await settle(backend, Object.values(names), 3_000)
    await commerce.close()

    // Machine sessions: 40 simulated minutes of a 12-machine fleet through the tracking application.
    const tracking = await startTracking({
      backend,
      serdes: await createTrackingSerdes(
        registry,
        Object.fromEntries(Object.entries(FLEET).map(([k, s]) => [k, s.name])) as never,
        { autoRegister: true },
      ),
      applicationId: 'facts-test-tracking',
      streams: { logger, stateDir: join(stateDir, 'streams') },
    })
    const sessionSerde = await createAvroSerde({ registry, contract: Contracts.MachineSession })
    const deadLetters = await createAvroSerde({
      registry,
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [FLEET.deadLetters.name],
    })
    sinks.push(
      await runSink<ClickHouseFleetWrite>({
        ...context.sinks,
        groupId: 'facts-test-sessions',
        topics: [FLEET.sessions.name],
        decode: decodeSessions(sessionSerde),
        target: clickHouseFleetTarget(clickhouse),
        deadLetter: { topic: FLEET.deadLetters.name, serializer: deadLetters },
      }),
    )
    const pings = await createBackendPingSink({
      backend,
      serdes: await createSimulatorSerdes(
        registry,
        { pings: FLEET.pings.name, geofences: FLEET.geofences.name },
        { autoRegister: true },
      ),
      topics: { pings: FLEET.pings.name, geofences: FLEET.geofences.name },
    })
    const fleetStart = 1_767_225_600_000
    const fleet = createFleet({ machines: 12, ratePerSecond: 12 / 5, seed: 5, startTimeMs: fleetStart })
    await pings.publishGeofences(fleet.geofences(fleetStart))
    for (let at = fleetStart; at <= fleetStart + 40 * 60_000; at += 30_000) await pings.send(fleet.tick(at))
    await pings.close()
    await settle(backend, [FLEET.accepted.name, FLEET.sessions.name, FLEET.positions.name], 3_000)
    await tracking.close()

    const log = await readEventLog(backend, registry, logTopics)
    await until(
      'the sinks to write every fact',
      async () => (await clickHouseFactCounts(clickhouse)) === eventLogFactCounts(log),
      120_000,
    )
    const states: Record<string, number> = {}
    for (const s of log.orderStatus.values())
      states[`${s.state}/${s.paymentState}/${s.cancellationReason}`] =
        (states[`${s.state}/${s.paymentState}/${s.cancellationReason}`] ?? 0) + 1
    t.log('orders by state/payment/reason', states)
    t.true(log.orderEvents.length > 100, `${log.orderEvents.length} order events`)
    t.true(
      log.paymentEvents.some((p) => 'dev.oxagry.payments.PaymentRefunded' in p.payload),
      'some captures refunded',
    )
    t.true(log.sessions.size > 10, `${log.sessions.size} sessions`)

    const compareAll = async (when: string): Promise<void> => {
      for (const check of await checkAnalystExamples(clickhouse, log)) {
        t.deepEqual(check.differences, [], `${when}: ${check.id}`)
        t.true(check.got.length > 0, `${when}: ${check.id} answers something`)
      }
    }
    await compareAll('first delivery')

    // Duplicated delivery: merges stopped so duplicates stay as rows; every third record of each
    // topic produced again (new offsets, so new batches and new rows), and a second sink replaying
    // all five commerce topics from the start.
    const tables = [...Object.values(COMMERCE_TABLES), 'machine_sessions']
    for (const table of tables) await clickhouse.command({ query: `SYSTEM STOP MERGES ${table}` })
    const tableRows = async (): Promise<number> => {
      const result = await clickhouse.query({
        query: tables.map((table) => `SELECT count() AS n FROM ${table}`).join(' UNION ALL '),
        format: 'JSONEachRow',
      })
      return (await result.json<{ n: string }>()).reduce((sum, r) => sum + Number(r.n), 0)
    }
    const rowsBefore = await tableRows()
    const producer = await backend.producer({})
    for (const topic of factTopics) {
      const records = (await readTopic(backend, topic)).filter((_, i) => i % 3 === 0)
      await producer.send(
        records.map((r) => ({
          topic,
          partition: r.partition,
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: r.headers,
        })),
      )
    }
    await producer.close()
    const serde = <T>(contract: Parameters<typeof createAvroSerde<T>>[0]['contract']) =>
      createAvroSerde<T>({ registry, contract })
    const commerceFactTopics = {
      orderEvents: names.orderEvents,
      orderStatus: names.orderStatus,
      paymentEvents: names.paymentEvents,
      stockEvents: names.stockEvents,
      products: names.products,
    }
    const replay = await runSink<CommerceFactWrite>({
      ...context.sinks,
      groupId: 'facts-test-replay',
      topics: Object.values(commerceFactTopics),
      decode: decodeCommerceFacts(commerceFactTopics, {
        orderEvents: await serde(Contracts.OrderEvent),
        orderStatus: await serde(Contracts.OrderStatus),
        paymentEvents: await serde(Contracts.PaymentEvent),
        stockEvents: await serde(Contracts.StockEvent),
        products: await serde(Contracts.Product),
      }),
      target: clickHouseCommerceTarget(clickhouse, { migrate: false }),
      deadLetter: { topic: names.ordersDeadLetters, serializer: deadLetters },
    })
    sinks.push(replay)
    // The sinks are done once the tables stop growing (compacted topics make offsets no count).
    let rawRows = -1
    let since = Date.now()
    await until(
      'every sink to write the duplicates',
      async () => {
        const now = await tableRows()
        if (now !== rawRows) [rawRows, since] = [now, Date.now()]
        return (
          now > rowsBefore && Date.now() - since >= 4_000 && sinks.every((s) => s.health().buffered === 0)
        )
      },
      180_000,
    )
    const raw = await clickhouse.query({
      query: `SELECT count() AS rows, uniqExact(event_id) AS events FROM ${COMMERCE_TABLES.orderEvents}`,
      format: 'JSONEachRow',
    })
    const [{ rows, events }] = normaliseAnswer(await raw.json()) as [{ rows: number; events: number }]
    t.true(rows > events, `duplicates were inserted (${rows} rows for ${events} events)`)
    t.is(await clickHouseFactCounts(clickhouse), eventLogFactCounts(log))
    await compareAll('after duplicated deliveries')
  } finally {
    for (const sink of sinks) await sink.stop()
    await backend.close()
    await clickhouse.close()
    await embedded.close()
  }
})
