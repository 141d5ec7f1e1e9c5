import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { pino } from 'pino'
import {
  createTopics,
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
    streams: { logger: pino({ level: 'warn' }) },
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
