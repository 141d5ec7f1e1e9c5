import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  Contracts,
  ConfluentSchemaRegistry,
  createAvroSerde,
  nameUuid,
  type OrderCommand,
  type OrderStatus,
} from '@oxagry/avro'
import { KafkaJsBackend, readTopic } from '@oxagry/kafka'
import { createMarket, createMarketSink, createRandom } from '@oxagry/simulator'
import { integrationTest, kafkaBrokers, serviceUrl, startTestChild, type TestChild } from '@oxagry/testkit'
import { decodeAll, readCommerceLog } from './commerce-log.ts'
import { checkCommerceInvariants } from './invariants.ts'
import { COMMERCE, commerceTopicNames, marketTopicsOf, type CommerceTopicNames } from './topics.ts'
import { COMMERCE_ROLES, type CommerceRole, type WorkerSpec } from './worker.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
const TRAFFIC_MS = 40_000
const KILL_EVERY_MS = 5_000
const SETTLE_MS = 180_000

type Running = TestChild

const startWorker = (spec: WorkerSpec): Running => startTestChild(WORKER, spec, `RUNNING ${spec.role}`)

test('commerce on the broker under exactly-once, workers SIGKILLed at random points: every invariant holds', async (t) => {
  // Generous: on a loaded two-core machine the four processes run slowly, and the invariants are the point.
  t.timeout(420_000)
  const prefix = `it-commerce-${randomUUID().slice(0, 8)}`
  const names: CommerceTopicNames = commerceTopicNames((spec) => `${prefix}.${spec.name}`)
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: prefix })
  const registryUrl = serviceUrl('schemaRegistry')
  const registry = new ConfluentSchemaRegistry({ url: registryUrl })
  const admin = await backend.admin()
  await admin.createTopics(
    Object.keys(COMMERCE).map((k) => ({
      name: names[k as keyof typeof COMMERCE],
      partitions: k === 'products' ? 1 : 3,
      config: {},
    })),
  )
  await admin.close()

  const stateDir = mkdtempSync(join(tmpdir(), 'commerce-crash-'))
  const ledgerPath = join(stateDir, 'provider-ledger.jsonl')
  const spec = (role: CommerceRole): WorkerSpec => ({
    role,
    prefix,
    brokers: kafkaBrokers(),
    registryUrl,
    stateDir,
    ledgerPath,
    seed: 11,
    timeouts: { validationTimeoutMs: 30_000, paymentDeadlineMs: 60_000, reservationTtlMs: 180_000 },
  })
  const workers = new Map<CommerceRole, Running>()
  for (const role of COMMERCE_ROLES) workers.set(role, startWorker(spec(role)))
  const kills: string[] = []
  try {
    await Promise.all([...workers.values()].map((w) => w.running))

    // Traffic: few units per key so stock runs out, cancellations and deliveries soon after.
    const sink = await createMarketSink({
      backend,
      registry,
      topics: marketTopicsOf(names),
      autoRegister: true,
    })
    const market = createMarket({
      seed: 5,
      ordersPerSecond: 10,
      customers: 40,
      receiptUnits: 25,
      restockEveryMs: 15_000,
      cancelAfterMs: 1_500,
      deliverAfterMs: 8_000,
    })
    await sink.send(market.opening(Date.now()))
    const start = Date.now()
    let nextKill = start + KILL_EVERY_MS
    const random = createRandom(17)
    while (Date.now() - start < TRAFFIC_MS) {
      await sink.send(market.tick(Date.now()))
      if (Date.now() >= nextKill) {
        const role = random.pick(COMMERCE_ROLES)
        workers.get(role)?.child.kill('SIGKILL')
        kills.push(role)
        workers.set(role, startWorker(spec(role)))
        nextKill = Date.now() + KILL_EVERY_MS
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await Promise.all([...workers.values()].map((w) => w.running))

    // The delivery service: every confirmed order is delivered (the market's own report may have come
    // before the decision, and was refused then), until every order is terminal.
    const statusSerde = await createAvroSerde({ registry, contract: Contracts.OrderStatus })
    const commandSerde = await createAvroSerde({
      registry,
      contract: Contracts.OrderCommand,
      topics: [names.orderCommands],
    })
    const producer = await backend.producer({ clientId: `${prefix}-delivery` })
    const delivered = new Set<string>()
    const deadline = Date.now() + SETTLE_MS
    let pending = Infinity
    while (Date.now() < deadline && pending > 0) {
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const latest = new Map<string, OrderStatus>()
      for (const s of await decodeAll(backend, statusSerde, names.orderStatus)) {
        const before = latest.get(s.orderId)
        if (before === undefined || s.version >= before.version) latest.set(s.orderId, s)
      }
      const placedIds = new Set(
        (await readTopic(backend, names.orderEvents)).map((r) => r.key?.toString() ?? ''),
      )
      const terminal = [...latest.values()].filter((s) => s.state === 'COMPLETED' || s.state === 'CANCELLED')
      pending = placedIds.size - terminal.length
      const toDeliver = [...latest.values()].filter(
        (s) => s.state === 'CONFIRMED' && !delivered.has(s.orderId),
      )
      for (const s of toDeliver) {
        delivered.add(s.orderId)
        const command: OrderCommand = {
          commandId: nameUuid(`test-delivery:${s.orderId}`),
          orderId: s.orderId,
          occurredAt: Date.now(),
          payload: { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: Date.now() } },
        }
        await producer.send([
          {
            topic: names.orderCommands,
            key: Buffer.from(s.orderId),
            value: await commandSerde.serialize(names.orderCommands, command, {}),
            timestamp: Date.now(),
            headers: {},
          },
        ])
      }
    }
    await producer.close()
    await sink.close()

    const log = await readCommerceLog(backend, registry, names, ledgerPath)
    const { orderEvents } = log
    const report = checkCommerceInvariants(log)
    t.log(`kills: ${kills.join(', ')}; orders: ${report.orders}; ${JSON.stringify(report.byState)}`)
    const reasons: Record<string, number> = {}
    for (const e of orderEvents) {
      if (!('dev.oxagry.orders.OrderCancelled' in e.payload)) continue
      const { reason } = e.payload['dev.oxagry.orders.OrderCancelled']
      reasons[reason] = (reasons[reason] ?? 0) + 1
    }
    t.log(`cancelled by reason: ${JSON.stringify(reasons)}`)
    t.true(kills.length >= 6, 'workers were killed mid-stream')
    t.true(report.orders >= 300, `${report.orders} orders`)
    t.true((report.byState.COMPLETED ?? 0) > 0 && (report.byState.CANCELLED ?? 0) > 0)
    t.deepEqual(report.violations.slice(0, 20), [])
  } finally {
    for (const w of workers.values()) w.child.kill('SIGTERM')
    await backend.close()
  }
})
