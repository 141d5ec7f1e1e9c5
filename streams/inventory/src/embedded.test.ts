import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker, type KafkaBackend } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { adjustStock, reserveStock } from './commands.ts'
import {
  ORDER_A,
  createTopics,
  freshStateDir,
  expectedSummary,
  prefixedTopics,
  readOutputs,
  sendCompetingOrders,
  summarise,
} from './e2e.ts'
import { createInventorySerdes } from './serdes.ts'
import { buildHttp, startInventory } from './service.ts'

test('embedded: two orders compete for the last units under exactly-once; one passes, one is out of stock; health and metrics answer', async (t) => {
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedTopics('embedded')
  const serdes = await createInventorySerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  await createTopics(backend, topics, 3)
  // Now: the reservations expire an hour later on the wall clock, well after the test.
  await sendCompetingOrders(backend, serdes, topics, Date.now())
  const inventory = await startInventory({
    backend,
    serdes,
    topics,
    applicationId: 'embedded-inventory',
    streams: { logger: pino({ level: 'warn' }), stateDir: freshStateDir(t) },
  })
  try {
    const expected = expectedSummary()
    const deadline = Date.now() + 30_000
    let observed = summarise(await readOutputs(backend, serdes, topics))
    while (Date.now() < deadline && JSON.stringify(observed) !== JSON.stringify(expected)) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      observed = summarise(await readOutputs(backend, serdes, topics))
    }
    t.deepEqual(observed, expected)
    const http = buildHttp(inventory.streams)
    t.is((await http.inject({ url: '/health/live' })).statusCode, 200)
    t.is((await http.inject({ url: '/health/ready' })).statusCode, 200)
    t.regex((await http.inject({ url: '/metrics' })).body, /oxagry_streams_/)
    await http.close()
  } finally {
    await inventory.close()
  }
})

test("embedded: the runtime's wall-clock punctuation releases a lapsed reservation as EXPIRED", async (t) => {
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedTopics('expiry')
  const serdes = await createInventorySerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  await createTopics(backend, topics, 1)
  const now = Date.now()
  const envelope = (n: number) => ({
    commandId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    productId: 'SEED-OATS',
    warehouseId: 'wh-south',
    occurredAt: now + n,
  })
  const producer = await (backend as KafkaBackend).producer({ clientId: 'expiry-test' })
  for (const c of [
    adjustStock(envelope(1), { reason: 'RECEIPT', delta: 3 }),
    reserveStock(envelope(2), { orderId: ORDER_A, quantity: 2, lineCount: 1, expiresAt: now + 1500 }),
  ])
    await producer.send([
      {
        topic: topics.commands,
        key: Buffer.from(`${c.productId}|${c.warehouseId}`),
        value: await serdes.command.serialize(topics.commands, c, {}),
        timestamp: c.occurredAt,
        headers: {},
      },
    ])
  await producer.close()
  const inventory = await startInventory({
    backend,
    serdes,
    topics,
    applicationId: 'embedded-expiry',
    expiry: { punctuationIntervalMs: 100 },
    streams: { logger: pino({ level: 'warn' }), stateDir: freshStateDir(t) },
  })
  try {
    const released = await eventually(
      async () => {
        const { events, levels } = await readOutputs(backend, serdes, topics)
        const expired = events.find(
          (e) => e.payload['dev.oxagry.inventory.ReservationReleased' as never] !== undefined,
        )
        return expired === undefined ? undefined : { expired, last: levels.at(-1) }
      },
      { timeoutMs: 20_000, what: 'the EXPIRED release' },
    )
    t.like(
      (released.expired.payload as Record<string, unknown>)['dev.oxagry.inventory.ReservationReleased'],
      { orderId: ORDER_A, quantity: 2, reason: 'EXPIRED' },
    )
    t.true(released.expired.occurredAt >= now + 1500, 'at the wall-clock time it was found lapsed')
    t.like(released.last, { onHand: 3, reserved: 0, available: 3, version: 3 })
  } finally {
    await inventory.close()
  }
})
