import test from 'ava'
import { Contracts } from '@oxagry/avro'
import {
  catalogueProblems,
  CO_PARTITIONED,
  TOPIC_LIST,
  TOPIC_NAME,
  TOPICS,
  type TopicSpec,
} from './catalogue.ts'
import { creatableTopic, desiredTopics, topicConfig } from './desired.ts'

test('the declared catalogue breaks no rule', (t) => {
  t.deepEqual(catalogueProblems(), [])
})

test('every contract is the value of some topic, every topic name follows <domain>.<entity>.v<N>', (t) => {
  const used = new Set(TOPIC_LIST.map((topic) => topic.value.name))
  for (const contract of Object.values(Contracts))
    t.true(used.has(contract.name), `${contract.name} has no topic`)
  for (const topic of TOPIC_LIST) t.regex(topic.name, TOPIC_NAME)
})

test('the topics the live-tracking job needs exist with the right cleanup policy', (t) => {
  t.is(TOPICS.machinePings.cleanupPolicy, 'delete')
  t.is(TOPICS.geofences.cleanupPolicy, 'compact')
  t.is(TOPICS.geofences.key, 'geofenceId')
  t.is(TOPICS.machinePositions.cleanupPolicy, 'compact')
  t.is(TOPICS.geofenceTransitions.value, Contracts.GeofenceTransition)
  t.is(TOPICS.machineSessions.value, Contracts.MachineSession)
  t.is(TOPICS.fleetDeadLetters.value, Contracts.DeadLetter)
})

const broken = (overrides: Partial<TopicSpec>): Record<string, TopicSpec> => ({
  a: { ...TOPICS.machinePings, ...overrides },
})

test('the rules catch bad names, unknown domains, impossible replication and reserved config keys', (t) => {
  t.regex(catalogueProblems(broken({ name: 'MachinePings' }), [])[0] ?? '', /not <domain>\.<entity>\.v<N>/)
  t.regex(catalogueProblems(broken({ name: 'weather.forecasts.v1' }), [])[0] ?? '', /no known domain/)
  t.regex(catalogueProblems(broken({ minInsyncReplicas: 4 }), [])[0] ?? '', /between 1 and replicationFactor/)
  t.regex(
    catalogueProblems(broken({ minInsyncReplicas: 3 }), [])[0] ?? '',
    /stops writes when one broker is down/,
  )
  t.regex(catalogueProblems(broken({ partitions: 0 }), [])[0] ?? '', /partitions must be >= 1/)
  t.regex(catalogueProblems(broken({ config: { 'retention.ms': '1' } }), [])[0] ?? '', /field of its own/)
  const twice = { a: TOPICS.machinePings, b: TOPICS.machinePings }
  t.regex(catalogueProblems(twice, [])[0] ?? '', /declared twice/)
})

test('co-partitioned topics must agree on partitions and key', (t) => {
  const topics = { ...TOPICS, machinePositions: { ...TOPICS.machinePositions, partitions: 6 } }
  t.regex(catalogueProblems(topics).join('\n'), /fleet\.machine-positions\.v1 has 6 partitions/)
  t.true(CO_PARTITIONED.some((group) => group.includes('orderEvents') && group.includes('paymentEvents')))
})

test('compacted topics keep tombstones a day; configs use Kafka names and strings', (t) => {
  t.deepEqual(topicConfig(TOPICS.machinePositions), {
    'cleanup.policy': 'compact',
    'retention.ms': '-1',
    'min.insync.replicas': '2',
    'delete.retention.ms': '86400000',
    'segment.ms': '86400000',
  })
  t.is(topicConfig(TOPICS.machinePings)['retention.ms'], String(7 * 86_400_000))
})

test('the local profile is one replica; a prefix goes before every name and must be safe', (t) => {
  const local = desiredTopics('local', 'it-1.')
  t.true(local.every((d) => d.replicationFactor === 1 && d.config['min.insync.replicas'] === '1'))
  t.true(local.every((d) => d.name.startsWith('it-1.')))
  t.true(desiredTopics('production').every((d) => d.replicationFactor === 3))
  t.throws(() => desiredTopics('local', 'bad prefix/'), { message: /\/options\/prefix/ })
  t.throws(() => desiredTopics('staging' as never), { message: /\/options\/profile/ })
})

test('a catalogue topic as a client creates it keeps every declared config, with the profile applied', (t) => {
  const positions = creatableTopic(TOPICS.machinePositions, { name: 'x.fleet.machine-positions.v1' })
  t.is(positions.name, 'x.fleet.machine-positions.v1')
  t.is(positions.partitions, TOPICS.machinePositions.partitions)
  t.is(positions.replicationFactor, 1)
  t.deepEqual(positions.config, topicConfig(TOPICS.machinePositions, 'local'))
  t.is(creatableTopic(TOPICS.machinePositions, { profile: 'production' }).replicationFactor, 3)
})
