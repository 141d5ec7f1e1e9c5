import test from 'ava'
import { TOPICS } from './catalogue.ts'
import { desiredTopics, type DesiredTopic } from './desired.ts'
import { describeChange, isAction, planChanges, type ActualTopic } from './plan.ts'

const [pings, geofences] = desiredTopics('local', '', [TOPICS.machinePings, TOPICS.geofences]) as [
  DesiredTopic,
  DesiredTopic,
]

function actualOf(d: DesiredTopic, edit: Partial<ActualTopic> = {}): ActualTopic {
  return {
    name: d.name,
    partitions: d.partitions,
    replicationFactor: d.replicationFactor,
    overrides: d.config,
    effective: { 'max.message.bytes': '1048588', ...d.config },
    ...edit,
  }
}

test('missing topics are created; a cluster that matches needs nothing', (t) => {
  t.deepEqual(
    planChanges([pings, geofences], []).map((c) => [c.kind, c.topic]),
    [
      ['create', 'fleet.machine-pings.v1'],
      ['create', 'fleet.geofences.v1'],
    ],
  )
  t.deepEqual(planChanges([pings, geofences], [actualOf(pings), actualOf(geofences)]), [])
})

test('more partitions are added; fewer are blocked, or the topic is recreated with the flag', (t) => {
  t.deepEqual(planChanges([pings], [actualOf(pings, { partitions: 6 })]), [
    { kind: 'add-partitions', topic: pings.name, from: 6, to: 12 },
  ])
  const shrink = planChanges([pings], [actualOf(pings, { partitions: 24 })])
  t.deepEqual(
    shrink.map((c) => c.kind),
    ['blocked'],
  )
  t.false(shrink.some(isAction))
  t.deepEqual(
    planChanges([pings], [actualOf(pings, { partitions: 24 })], { allowDestructive: true }).map(
      (c) => c.kind,
    ),
    ['recreate'],
  )
})

test('config drift is corrected with the whole declared override set, undeclared overrides dropped', (t) => {
  const actual = actualOf(pings, {
    overrides: { ...pings.config, 'retention.ms': '100000', 'max.message.bytes': '2000000' },
  })
  const [change, ...rest] = planChanges([pings], [actual])
  t.deepEqual(rest, [])
  if (change?.kind !== 'alter-config') return t.fail(String(change?.kind))
  t.deepEqual(change.changes, [
    { key: 'max.message.bytes', from: '2000000' },
    { key: 'retention.ms', from: '100000', to: String(7 * 86_400_000) },
  ])
  t.deepEqual(change.config, pings.config)
})

test('changes that lose data are blocked without the flag, and the sent config keeps what the topic has', (t) => {
  const actual = actualOf(pings, {
    overrides: { ...pings.config, 'retention.ms': String(30 * 86_400_000), 'cleanup.policy': 'compact' },
    effective: { ...pings.config, 'retention.ms': String(30 * 86_400_000), 'cleanup.policy': 'compact' },
  })
  const changes = planChanges([pings], [actual])
  t.deepEqual(
    changes.map((c) => c.kind),
    ['blocked', 'blocked'],
  )
  t.regex(changes.map(describeChange).join('\n'), /cleanup\.policy compact -> delete.*--allow-destructive/)
  t.regex(
    changes.map(describeChange).join('\n'),
    /retention\.ms 2592000000 -> 604800000 deletes older records/,
  )
  const allowed = planChanges([pings], [actual], { allowDestructive: true })
  const alter = allowed[0]
  if (alter?.kind !== 'alter-config') return t.fail()
  t.deepEqual(alter.config, pings.config)

  // One destructive change among safe ones: the safe one is applied, the destructive key keeps its value.
  const mixed = actualOf(pings, {
    overrides: { ...pings.config, 'cleanup.policy': 'compact', 'min.insync.replicas': '2' },
    effective: { ...pings.config, 'cleanup.policy': 'compact', 'min.insync.replicas': '2' },
  })
  const [safe, blocked] = planChanges([pings], [mixed])
  if (safe?.kind !== 'alter-config') return t.fail()
  t.deepEqual(safe.changes, [{ key: 'min.insync.replicas', from: '2', to: '1' }])
  t.is(safe.config['cleanup.policy'], 'compact')
  t.is(blocked?.kind, 'blocked')
})

test('longer retention or forever is not destructive', (t) => {
  const shorter = actualOf(geofences, { overrides: { ...geofences.config, 'retention.ms': '1000' } })
  t.deepEqual(
    planChanges([geofences], [shorter]).map((c) => c.kind),
    ['alter-config'],
  )
})

test('replica counts that differ are reported, not changed', (t) => {
  const changes = planChanges([pings], [actualOf(pings, { replicationFactor: 3 })])
  t.deepEqual(changes, [{ kind: 'replication-drift', topic: pings.name, from: 3, to: 1 }])
  t.false(isAction(changes[0] as never))
})

test('undeclared topics named like ours are reported, deleted only with the flag; others are never touched', (t) => {
  const stray = (name: string): ActualTopic => ({ ...actualOf(pings), name })
  const actual = [
    actualOf(pings),
    stray('fleet.tractors.v1'),
    stray('app-store-changelog'),
    stray('weather.forecasts.v1'),
    stray('it.fleet.tractors.v1'),
  ]
  t.deepEqual(planChanges([pings], actual), [{ kind: 'undeclared', topic: 'fleet.tractors.v1' }])
  t.deepEqual(planChanges([pings], actual, { deleteUndeclared: true }), [
    { kind: 'delete', topic: 'fleet.tractors.v1' },
  ])
  // Under a prefix, only names after the prefix count; unprefixed topics are someone else's.
  const prefixed = desiredTopics('local', 'it.', [TOPICS.machinePings])
  const underPrefix = [
    { ...actualOf(pings), name: 'it.fleet.machine-pings.v1' },
    stray('it.fleet.tractors.v1'),
    stray('fleet.tractors.v1'),
  ]
  t.deepEqual(
    planChanges(prefixed, underPrefix, { prefix: 'it.' }).map((c) => `${c.kind} ${c.topic}`),
    ['undeclared it.fleet.tractors.v1'],
  )
})
