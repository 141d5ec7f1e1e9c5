import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { expectedFrom, observedFrom, prefixedTopics, readOutputs, simulate } from './e2e.ts'
import { createTrackingSerdes } from './serdes.ts'
import { buildHttp, startTracking } from './service.ts'
import { pino } from 'pino'

test('embedded: simulator → memory broker → tracking accounts for every ping; health and metrics answer', async (t) => {
  const backend = new MemoryBackend(new MemoryBroker())
  const registry = new InMemorySchemaRegistry()
  const topics = prefixedTopics('embedded')
  const sim = await simulate({
    backend,
    registry,
    topics,
    partitions: 3,
    machines: 20,
    minutes: 40,
    startTimeMs: 1_700_000_000_000,
  })
  const expected = expectedFrom(sim)
  t.true(expected.sessionPings > 1000)
  const tracking = await startTracking({
    backend,
    serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
    topics,
    applicationId: 'embedded-tracking',
    processingGuarantee: 'exactly_once',
    streams: { logger: pino({ level: 'warn' }) },
  })
  try {
    const deadline = Date.now() + 60_000
    let observed = observedFrom(await readOutputs(backend, registry, topics), sim.machines)
    while (Date.now() < deadline) {
      observed = observedFrom(await readOutputs(backend, registry, topics), sim.machines)
      if (
        observed.sessionPings >= expected.sessionPings &&
        Object.keys(observed.lastPingIdByMachine).length === sim.machines.length
      )
        break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
    observed = observedFrom(await readOutputs(backend, registry, topics), sim.machines)
    t.deepEqual(observed, expected)

    const http = buildHttp(tracking.streams)
    const live = await http.inject({ url: '/health/live' })
    t.is(live.statusCode, 200)
    t.is((await http.inject({ url: '/health/ready' })).statusCode, 200)
    const metrics = await http.inject({ url: '/metrics' })
    t.regex(metrics.body, /oxagry_streams_/)
    // The simulated fixes are from 2023: every machine is known, none reports now.
    t.regex(metrics.body, /oxagry_fleet_machines_reporting\{application="embedded-tracking"\} 0\n/)
    await http.close()
  } finally {
    await tracking.close()
  }
})
