import test from 'ava'
import {
  Contracts,
  InMemorySchemaRegistry,
  type DeadLetter,
  type MachineId,
  type MachinePing,
} from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { Serdes } from '@oxagry/kafka'
import { TOPICS } from './catalogue.ts'
import { catalogueNames, createTopicDescriptors, describeTopics } from './descriptors.ts'
import { TOPICS_ERROR_CODES } from './errors.ts'

const ROLES = { pings: TOPICS.machinePings, accepted: TOPICS.acceptedPings, dead: TOPICS.fleetDeadLetters }

const PING: MachinePing = {
  pingId: '00000000-0000-4000-8000-000000000001',
  machineId: 'MF-8S-00042' as MachineId,
  sequence: 1,
  eventTime: 1_700_000_000_000,
  latitude: 42,
  longitude: -93.6,
  speedKmh: 12,
  headingDegrees: null,
  accuracyMeters: 2.5,
  engineState: 'RUNNING',
  fuelLevelPercent: 80,
}

test('the catalogue names each role', (t) => {
  t.deepEqual(catalogueNames(ROLES), {
    pings: 'fleet.machine-pings.v1',
    accepted: 'fleet.accepted-pings.v1',
    dead: 'fleet.dead-letters.v1',
  })
})

test('descriptors from the registry: one warmed serde per contract, keys as plain strings', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const topics = await createTopicDescriptors(registry, ROLES, {
    names: { accepted: 'test.accepted' },
    autoRegister: true,
  })
  t.is(topics.pings.name, 'fleet.machine-pings.v1')
  t.is(topics.accepted.name, 'test.accepted')
  // Raw and accepted pings share the contract, so one serde, warmed on both topics: no promise.
  t.is(topics.pings.valueSerde, topics.accepted.valueSerde)
  const bytes = topics.accepted.valueSerde.serialize(topics.accepted.name, PING, {})
  t.true(Buffer.isBuffer(bytes))
  t.deepEqual(plain(topics.pings.valueSerde.deserialize(topics.pings.name, bytes as Buffer, {})), PING)
  t.is(
    topics.dead.keySerde.deserialize('t', Buffer.from('fleet.machine-pings.v1:7:1'), {}),
    'fleet.machine-pings.v1:7:1',
  )
  // The subjects registered are the topics' own (TopicNameStrategy).
  t.truthy(await registry.lookup('test.accepted-value', Contracts.MachinePing.schema))
})

test('descriptors from serdes made elsewhere, named as the catalogue says unless told', (t) => {
  const json = Serdes.Json<MachinePing>()
  const topics = describeTopics(
    ROLES,
    { pings: json, accepted: json, dead: Serdes.Json<DeadLetter>() },
    { dead: 'test.dead' },
  )
  t.is(topics.dead.name, 'test.dead')
  t.is(topics.pings.valueSerde, json)
  t.true(Object.isFrozen(topics) && Object.isFrozen(topics.pings))
})

test('a name for no role, or an empty name, is refused with the path at fault', async (t) => {
  const json = Serdes.Json<MachinePing>()
  const serdes = { pings: json, accepted: json, dead: Serdes.Json<DeadLetter>() }
  t.throws(() => describeTopics(ROLES, serdes, { nope: 'x' } as never), {
    code: TOPICS_ERROR_CODES.INVALID_OPTIONS,
    message: /\/topics\/nope is not a topic of the application/,
  })
  await t.throwsAsync(createTopicDescriptors(new InMemorySchemaRegistry(), ROLES, { names: { pings: '' } }), {
    code: TOPICS_ERROR_CODES.INVALID_OPTIONS,
    message: /\/topics\/pings must be a topic name/,
  })
})
