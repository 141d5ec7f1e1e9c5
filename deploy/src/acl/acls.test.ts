import { readFileSync } from 'node:fs'
import test from 'ava'
import { FLEET, platformNames } from '@oxagry/main'
import { StreamsBuilder, Topology } from '@oxagry/streams'
import { readTrackingEnv } from '@oxagry/tracking'
import { APPLICATIONS, LIVE_VIEW_CLIENT_ID, TRACKING_APPLICATION_ID, trackingTopology } from '../apps.ts'
import { DEPLOY_ERROR_CODES, DeployError } from '../errors.ts'
import { workloadAcls } from '../users.ts'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { refused, streamsRequests } from './coverage.ts'
import { aclRules } from './rules.ts'
import { permits } from './permits.ts'
import { streamsAccess } from './streams-access.ts'

const workload = (name: string): Workload => {
  const w = WORKLOADS.find((x) => x.name === name)
  if (w === undefined) throw new Error(`no workload ${name}`)
  return w
}
const PARTITIONS = Math.max(...Object.values(FLEET).map((t) => t.partitions))
const repo = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')

test('the tracking user may do everything the tracking topology asks of Kafka', async (t) => {
  const rules = await workloadAcls(workload('tracking'))
  const requests = streamsRequests(TRACKING_APPLICATION_ID, await trackingTopology(), {
    partitions: PARTITIONS,
    exactlyOnce: true,
  })
  // The requests are the topology's own: its sources, sinks, global store and changelogs are there.
  const names = new Set(requests.map((r) => r.name))
  for (const topic of [
    FLEET.pings.name,
    FLEET.geofences.name,
    FLEET.positions.name,
    FLEET.deadLetters.name,
    `${TRACKING_APPLICATION_ID}-ping-guard-changelog`,
  ])
    t.true(names.has(topic), topic)
  t.deepEqual(refused(rules, requests), [])
})

test('a topic the topology gains is refused until the ACLs are generated again', async (t) => {
  const rules = await workloadAcls(workload('tracking'))
  const topology = await trackingTopology()
  const source = topology.subtopologies()[0]?.nodes.find((n) => n.kind === 'source')
  if (source === undefined) throw new Error('the tracking topology has no source')
  topology.addSink('audit', 'fleet.audit.v1', {}, source.name)
  const requests = streamsRequests(TRACKING_APPLICATION_ID, topology, { partitions: 1, exactlyOnce: true })
  t.deepEqual(refused(rules, requests), ['Write topic:fleet.audit.v1'])
  // Generated from the changed topology, the ACLs follow it.
  const regenerated = aclRules([
    streamsAccess('tracking', {
      applicationId: TRACKING_APPLICATION_ID,
      topology,
      processingGuarantee: 'exactly_once',
      deadLetterTopics: [],
    }),
  ])
  t.deepEqual(refused(regenerated, requests), [])
})

test('the tracking user may do nothing more: no writes to its inputs, no other domain, no cluster', async (t) => {
  const rules = await workloadAcls(workload('tracking'))
  t.false(permits(rules, { type: 'topic', name: FLEET.pings.name, operation: 'Write' }))
  t.false(permits(rules, { type: 'topic', name: FLEET.geofences.name, operation: 'Write' }))
  t.false(permits(rules, { type: 'topic', name: FLEET.positions.name, operation: 'Read' }))
  t.false(permits(rules, { type: 'topic', name: 'orders.order-events.v1', operation: 'Read' }))
  t.false(permits(rules, { type: 'topic', name: FLEET.pings.name, operation: 'Delete' }))
  t.false(permits(rules, { type: 'group', name: 'oxagry-sink-read-model', operation: 'Read' }))
  t.false(permits(rules, { type: 'transactionalId', name: 'other-app-0_0', operation: 'Write' }))
  t.false(rules.some((r) => r.resource.type === 'cluster' || r.resource.name === '*'))
  t.false(rules.some((r) => r.operations.includes('All')))
})

test("each sink's user covers its group, topics and dead letters, and no other sink's", async (t) => {
  const names = platformNames()
  for (const [sink, topic, other] of [
    ['sink-clickhouse-pings', FLEET.accepted.name, 'sink-read-model'],
    ['sink-clickhouse-sessions', FLEET.sessions.name, 'sink-clickhouse-pings'],
    ['sink-read-model', FLEET.positions.name, 'sink-clickhouse-sessions'],
  ] as const) {
    const rules = await workloadAcls(workload(sink))
    t.true(permits(rules, { type: 'group', name: names.group(sink), operation: 'Read' }), sink)
    t.true(permits(rules, { type: 'topic', name: topic, operation: 'Read' }), topic)
    t.true(permits(rules, { type: 'topic', name: FLEET.deadLetters.name, operation: 'Write' }))
    t.false(
      permits(rules, { type: 'group', name: names.group(other), operation: 'Read' }),
      `${sink} ${other}`,
    )
    t.false(permits(rules, { type: 'topic', name: FLEET.pings.name, operation: 'Write' }))
    for (const spec of Object.values(FLEET))
      t.false(permits(rules, { type: 'topic', name: spec.name, operation: 'Create' }), spec.name)
  }
})

test("the API's user follows the live views outside any group and writes only what the commerce API writes", async (t) => {
  const rules = await workloadAcls(workload('api'))
  t.true(permits(rules, { type: 'group', name: `${LIVE_VIEW_CLIENT_ID}-1234`, operation: 'Read' }))
  t.true(permits(rules, { type: 'topic', name: FLEET.positions.name, operation: 'Read' }))
  t.true(permits(rules, { type: 'topic', name: 'orders.order-commands.v1', operation: 'Write' }))
  t.false(permits(rules, { type: 'topic', name: 'orders.order-status.v1', operation: 'Write' }))
  t.false(permits(rules, { type: 'group', name: platformNames().group('orders'), operation: 'Read' }))
  t.false(
    rules.some((r) => r.resource.type === 'transactionalId'),
    'no transactions',
  )
  t.false(
    rules.some((r) => r.operations.includes('Create')),
    'no topics made',
  )
})

test('every group the platform module names is an application of the registry', (t) => {
  const source = repo('tools/main/src/modules/fleet.ts')
  const groups = [...source.matchAll(/context\.group\('([^']+)'\)/g)].map((m) => m[1])
  t.true(groups.length >= 4)
  const known = new Set(APPLICATIONS.map((a) => a.name))
  for (const g of groups) t.true(known.has(g as string), `${g} has no registry entry`)
  t.true(repo('tools/main/src/live-view.ts').includes(`clientId: '${LIVE_VIEW_CLIENT_ID}'`))
})

test('the standalone tracking service and the platform run the same application id', (t) => {
  t.is(readTrackingEnv({}).applicationId, TRACKING_APPLICATION_ID)
})

test('a sink whose topic is chosen per record cannot be given ACLs', (t) => {
  const topology = new Topology()
    .addSource('in', ['fleet.machine-pings.v1'])
    .addSink('out', () => 'anything', {}, 'in')
  const error = t.throws(() =>
    streamsAccess('x', {
      applicationId: 'x',
      topology,
      processingGuarantee: 'at_least_once',
      deadLetterTopics: [],
    }),
  )
  t.true(error instanceof DeployError)
  t.is((error as DeployError).code, DEPLOY_ERROR_CODES.UNRESOLVABLE_TOPIC)
})

test('a workload naming an application the registry lacks is an error', async (t) => {
  const error = await t.throwsAsync(
    workloadAcls({ ...workload('tracking'), applications: ['no-such-application'] }),
  )
  t.is((error as DeployError).code, DEPLOY_ERROR_CODES.UNKNOWN_APPLICATION)
})

test('at-least-once applications get no transactional ids; rules are merged per resource', (t) => {
  const builder = new StreamsBuilder()
  builder.stream('fleet.machine-pings.v1').to('fleet.accepted-pings.v1')
  const access = streamsAccess('a', {
    applicationId: 'a',
    topology: builder.build(),
    processingGuarantee: 'at_least_once',
    deadLetterTopics: ['fleet.accepted-pings.v1'],
  })
  const rules = aclRules([access, access])
  t.false(rules.some((r) => r.resource.type === 'transactionalId'))
  t.is(rules.filter((r) => r.resource.name === 'fleet.accepted-pings.v1').length, 1)
})
