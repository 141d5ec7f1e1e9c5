import test from 'ava'
import type { ClickHouseClient } from '@clickhouse/client'
import { MongoClient } from 'mongodb'
import { pino } from 'pino'
import { Contracts, InMemorySchemaRegistry, createAvroSerde } from '@oxagry/avro'
import type { SinkTarget } from '@oxagry/sink'
import { MemoryBackend } from '@oxagry/kafka'
import { startFleetSinks } from './fleet-sinks.ts'

const topics = {
  acceptedPings: 'fleet.accepted-pings.v1',
  positions: 'fleet.machine-positions.v1',
  deadLetters: 'fleet.dead-letters.v1',
}

test('if the second sink fails to start, the first stops and the MongoDB client is closed', async (t) => {
  const backend = new MemoryBackend()
  for (const name of Object.values(topics)) backend.broker.createTopic({ name, partitions: 1, config: {} })
  const registry = new InMemorySchemaRegistry()
  await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    autoRegister: true,
    topics: [topics.acceptedPings],
  })
  await createAvroSerde({
    registry,
    contract: Contracts.MachinePosition,
    autoRegister: true,
    topics: [topics.positions],
  })
  const log: string[] = []
  // Targets stand-ins: no ClickHouse or MongoDB is reached; the positions target cannot start.
  const wrap = <T>(target: SinkTarget<T>): SinkTarget<T> => ({
    name: target.name,
    start: async () => {
      if (target.name.startsWith('mongodb')) throw new Error('no primary (scripted)')
    },
    write: async () => {},
    close: async () => void log.push(`${target.name} closed`),
  })
  const close = MongoClient.prototype.close
  let mongoCloses = 0
  MongoClient.prototype.close = async function (this: MongoClient, force?: boolean) {
    mongoCloses++
    return close.call(this, force)
  }
  try {
    await t.throwsAsync(
      () =>
        startFleetSinks({
          backend,
          registry,
          topics,
          // Unreachable: nothing connects before a target starts, and the stand-ins never do.
          mongo: { url: 'mongodb://127.0.0.1:1/', database: 'unused' },
          clickhouse: {} as ClickHouseClient,
          groupPrefix: 'fleet-test',
          logger: pino({ level: 'silent' }),
          wrap,
        }),
      { message: /no primary/ },
    )
  } finally {
    MongoClient.prototype.close = close
  }
  t.true(log.includes('clickhouse:fleet closed'), log.join(', '))
  t.true(log.includes('mongodb:machines closed'), log.join(', '))
  t.true(mongoCloses >= 1)
})
