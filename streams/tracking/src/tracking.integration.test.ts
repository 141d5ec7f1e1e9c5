import { randomUUID } from 'node:crypto'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { KafkaJsBackend } from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import { expectedFrom, observedFrom, prefixedTopics, readOutputs, simulate } from './e2e.ts'
import { createTrackingSerdes } from './serdes.ts'
import { startTracking } from './service.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

test('simulator → Kafka → tracking: each valid ping in positions and sessions, each invalid one dead-lettered', async (t) => {
  const run = `it-tracking-${randomUUID().slice(0, 8)}`
  const topics = prefixedTopics(run)
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: run })
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  const sim = await simulate({
    backend,
    registry,
    topics,
    partitions: 3,
    machines: 20,
    minutes: 40,
    startTimeMs: Date.now() - 3 * 3600_000,
  })
  const expected = expectedFrom(sim)
  const tracking = await startTracking({
    backend,
    serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
    topics,
    applicationId: run,
    processingGuarantee: 'exactly_once',
    streams: { logger: pino({ level: 'warn' }) },
  })
  try {
    const deadline = Date.now() + 45_000
    let observed = observedFrom(await readOutputs(backend, registry, topics), sim.machines)
    // Positions, sessions and dead letters come from different tasks and commits: wait for all of them.
    while (Date.now() < deadline && JSON.stringify(observed) !== JSON.stringify(expected)) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      observed = observedFrom(await readOutputs(backend, registry, topics), sim.machines)
    }
    t.deepEqual(observed, expected)
    t.true(tracking.streams.health().live)
  } finally {
    await tracking.close()
  }
})
