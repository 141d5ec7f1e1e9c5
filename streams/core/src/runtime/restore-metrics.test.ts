import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { MemoryBackend } from '@oxagry/kafka'
import { countTopology, until } from './integration-fixtures.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { STREAMS_METRICS } from './metrics.ts'

test('a task with nothing to restore has its restore series at 0 from its creation', async (t) => {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'in', partitions: 2, config: {} })
  backend.broker.createTopic({ name: 'out', partitions: 2, config: {} })
  const registry = new Registry()
  const streams = new KafkaStreams(countTopology('in', 'out'), {
    applicationId: 'restore-metrics',
    backend,
    stateDir: mkdtempSync(join(tmpdir(), 'restore-metrics-')),
    logger: pino({ level: 'silent' }),
    metricsRegistry: registry,
    pollIntervalMs: 10,
  })
  t.teardown(() => streams.close())
  await streams.start()
  await until(() => streams.taskIds.length === 2)
  const text = await registry.metrics()
  for (const task of ['0_0', '0_1'])
    t.regex(
      text,
      new RegExp(
        `${STREAMS_METRICS.restoreRemaining}\\{application="restore-metrics",store="counts",task="${task}"\\} 0`,
      ),
    )
  t.regex(text, new RegExp(`${STREAMS_METRICS.restored}\\{application="restore-metrics",store="counts"\\} 0`))
})
