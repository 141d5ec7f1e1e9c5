import { randomUUID } from 'node:crypto'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import {
  createTopics,
  freshStateDir,
  expectedSummary,
  prefixedTopics,
  readOutputs,
  sendCompetingOrders,
  summarise,
} from './e2e.ts'
import { createInventorySerdes } from './serdes.ts'
import { startInventory } from './service.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

test('Kafka: receipts, then two orders competing for the last units under exactly-once: one INVENTORY passed, one OUT_OF_STOCK, never oversold', async (t) => {
  const run = `it-inventory-${randomUUID().slice(0, 8)}`
  const topics = prefixedTopics(run)
  const backend = createKafkaBackend('kafkajs', { brokers: kafkaBrokers(), clientId: run })
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  const serdes = await createInventorySerdes(registry, topics, { autoRegister: true })
  await createTopics(backend, topics, 3)
  await sendCompetingOrders(backend, serdes, topics, Date.now())
  const inventory = await startInventory({
    backend,
    serdes,
    topics,
    applicationId: run,
    streams: { logger: pino({ level: 'warn' }), stateDir: freshStateDir(t) },
  })
  try {
    const expected = expectedSummary()
    const deadline = Date.now() + 60_000
    let observed = summarise(await readOutputs(backend, serdes, topics))
    while (Date.now() < deadline && JSON.stringify(observed) !== JSON.stringify(expected)) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      observed = summarise(await readOutputs(backend, serdes, topics))
    }
    t.deepEqual(observed, expected)
    t.true(inventory.streams.health().live)
  } finally {
    await inventory.close()
    await backend.close()
  }
})
