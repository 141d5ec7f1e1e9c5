import test from 'ava'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import { isInternalTopic } from './internal-topics.ts'
import { formatPlan, inputTopicsOf, planReset, type ResetFacts } from './plan.ts'
import { refusal } from './reset.ts'

const app = 'orders-app'

const facts = (overrides: Partial<ResetFacts> = {}): ResetFacts => ({
  applicationId: app,
  group: { groupId: app, state: 'Empty', members: [] },
  committed: [
    { topic: 'orders.order-commands.v1', partition: 0, offset: '120' },
    { topic: 'orders.order-commands.v1', partition: 1, offset: '80' },
    { topic: `${app}-KSTREAM-AGGREGATE-0000000003-repartition`, partition: 0, offset: '40' },
  ],
  topics: [
    'orders.order-commands.v1',
    'orders.order-events.v1',
    `${app}-orders-store-changelog`,
    `${app}-KSTREAM-AGGREGATE-0000000003-repartition`,
    `${app}-fk-subscription-registration-topic`,
    `${app}-fk-subscription-response-topic`,
    'orders-app2-store-changelog',
    'other-app-store-changelog',
  ],
  to: { kind: 'earliest' },
  ranges: new Map([
    [
      'orders.order-commands.v1',
      new Map([
        [1, { low: '5', high: '90', atTime: '60' }],
        [0, { low: '0', high: '130', atTime: '100' }],
        [2, { low: '0', high: '0', atTime: '0' }],
      ]),
    ],
  ]),
  ...overrides,
})

test('internal topics are named as Kafka Streams and our runtime name them, under the application id', (t) => {
  t.true(isInternalTopic(app, `${app}-counts-changelog`))
  t.true(isInternalTopic(app, `${app}-KSTREAM-AGGREGATE-0000000003-repartition`))
  t.true(isInternalTopic(app, `${app}-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007-topic`))
  t.true(isInternalTopic(app, `${app}-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000012-topic`))
  t.true(isInternalTopic(app, `${app}-owner-subscription-registration-topic`))
  t.true(isInternalTopic(app, `${app}-owner-subscription-response-topic`))
  t.false(isInternalTopic(app, `${app}-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-x-topic`))
  t.false(
    isInternalTopic(app, 'orders-app2-store-changelog'),
    'another application whose id extends this one',
  )
  t.false(isInternalTopic(app, `${app}-events`), 'a user topic under the prefix')
  t.false(isInternalTopic(app, 'orders.order-commands.v1'))
})

test('the inputs are the non-internal topics the group committed on, unless given', (t) => {
  t.deepEqual(inputTopicsOf(app, facts().committed), ['orders.order-commands.v1'])
  t.deepEqual(inputTopicsOf(app, facts().committed, ['b', 'a', 'b']), ['a', 'b'])
})

test('a reset plan: every input partition to its earliest, the internal topics deleted, the state removed', (t) => {
  const plan = planReset(facts({ stateDir: { path: '/state/orders-app', exists: true } }))
  t.deepEqual(plan.offsets, [
    { topic: 'orders.order-commands.v1', partition: 0, offset: '0', from: '120' },
    { topic: 'orders.order-commands.v1', partition: 1, offset: '5', from: '80' },
    { topic: 'orders.order-commands.v1', partition: 2, offset: '0' },
  ])
  t.deepEqual(plan.deleteTopics, [
    `${app}-KSTREAM-AGGREGATE-0000000003-repartition`,
    `${app}-fk-subscription-registration-topic`,
    `${app}-fk-subscription-response-topic`,
    `${app}-orders-store-changelog`,
  ])
  t.deepEqual(formatPlan(plan), [
    'application orders-app: group orders-app is Empty, no active members',
    'input topics (the group committed offsets for): reset to the earliest',
    '  orders.order-commands.v1:0  120 -> 0',
    '  orders.order-commands.v1:1  80 -> 5',
    '  orders.order-commands.v1:2  (no commit) -> 0',
    'internal topics: delete',
    `  ${app}-KSTREAM-AGGREGATE-0000000003-repartition`,
    `  ${app}-fk-subscription-registration-topic`,
    `  ${app}-fk-subscription-response-topic`,
    `  ${app}-orders-store-changelog`,
    'local state: remove /state/orders-app',
  ])
  t.is(refusal(plan), undefined)
})

test('--to-offset is clamped to each partition; --to-datetime takes the offset found for the time', (t) => {
  const byOffset = planReset(facts({ to: { kind: 'offset', offset: 100n } }))
  t.deepEqual(
    byOffset.offsets.map((o) => o.offset),
    ['100', '90', '0'],
  )
  const byTime = planReset(facts({ to: { kind: 'datetime', timestamp: Date.UTC(2026, 10, 30, 12) } }))
  t.deepEqual(
    byTime.offsets.map((o) => o.offset),
    ['100', '60', '0'],
  )
  t.is(
    formatPlan(byTime)[1],
    'input topics (the group committed offsets for): reset to the first record at or after 2026-11-30T12:00:00.000Z',
  )
})

test('an input named like an internal topic is reset, never deleted', (t) => {
  const input = `${app}-orders-store-changelog`
  const plan = planReset(
    facts({
      inputTopics: [input],
      ranges: new Map([[input, new Map([[0, { low: '0', high: '3' }]])]]),
    }),
  )
  t.deepEqual(plan.offsets, [{ topic: input, partition: 0, offset: '0' }])
  t.false(plan.deleteTopics.includes(input))
  t.is(formatPlan(plan)[1], 'input topics (--input-topics): reset to the earliest')
})

test('a given input topic that does not exist is an error naming it', (t) => {
  const error = t.throws(() => planReset(facts({ inputTopics: ['orders.order-commands.v1', 'nope.v1'] })), {
    instanceOf: OpsError,
  })
  t.is(error?.code, OPS_ERROR_CODES.NOT_FOUND)
  t.is(error?.message, 'input topics do not exist: nope.v1')
})

test('no state directory, an absent one, nothing committed: the plan says so', (t) => {
  const plan = planReset(facts({ committed: [], topics: [], ranges: new Map() }))
  t.deepEqual(formatPlan(plan).slice(1), [
    'input topics (the group committed offsets for): none',
    'internal topics: none',
    'local state: no --state-dir or $STATE_DIR given, left alone (remove it on every host that ran the application)',
  ])
  const absent = planReset(facts({ stateDir: { path: '/state/orders-app', exists: false } }))
  t.is(formatPlan(absent).at(-1), 'local state: /state/orders-app does not exist, nothing to remove')
})

test('a group with members: the plan names them and the reset is refused', (t) => {
  const plan = planReset(
    facts({
      group: {
        groupId: app,
        state: 'Stable',
        members: [
          { memberId: 'm-1', clientId: 'orders-app-StreamThread-1-consumer', host: '/10.0.0.7' },
          { memberId: 'm-2', clientId: 'orders-app-StreamThread-1-consumer', host: '/10.0.0.8' },
        ],
      },
    }),
  )
  t.is(
    formatPlan(plan)[0],
    'application orders-app: group orders-app is Stable, 2 active member(s): ' +
      'orders-app-StreamThread-1-consumer on /10.0.0.7 (member m-1); orders-app-StreamThread-1-consumer on /10.0.0.8 (member m-2)',
  )
  const refused = refusal(plan)
  t.is(refused?.code, OPS_ERROR_CODES.GROUP_ACTIVE)
  t.regex(
    refused?.message ?? '',
    /application orders-app is running: its group has 2 active member\(s\): .*10\.0\.0\.8/,
  )
})
