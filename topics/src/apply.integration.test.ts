import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { connectClusterAdmin, type ClusterAdmin } from '@oxagry/kafka'
import { applyTopics } from './apply.ts'
import { TOPIC_LIST, TOPICS } from './catalogue.ts'
import { readTopics } from './cluster.ts'
import { EXIT, main } from './cli.ts'

const test = await integrationTest('kafka')
// One prefix per run: reruns and parallel runs each get their own copy of the catalogue.
const prefix = `it-${randomUUID().slice(0, 8)}.`
const brokers = kafkaBrokers()
const connection = { brokers }

async function withAdmin<T>(run: (admin: ClusterAdmin) => Promise<T>): Promise<T> {
  const admin = await connectClusterAdmin(connection, { clientId: 'topics-it' })
  try {
    return await run(admin)
  } finally {
    await admin.close()
  }
}

test.after(async () => {
  await withAdmin(async (admin) => {
    for (const topic of await admin.describeTopics(prefix)) await admin.deleteTopic(topic.name)
  })
})

test.serial('topics apply creates the catalogue, and a second run changes nothing', async (t) => {
  const first = await applyTopics({ connection, profile: 'local', prefix })
  t.is(first.changes.length, TOPIC_LIST.length)
  t.true(first.changes.every((c) => c.kind === 'create'))
  t.true(first.applied)
  t.true(first.inSync)

  const second = await applyTopics({ connection, profile: 'local', prefix })
  t.deepEqual(second.changes, [])
  t.false(second.applied)
  t.true(second.inSync)

  const actual = await withAdmin((admin) => readTopics(admin, prefix))
  const positions = actual.find((a) => a.name === `${prefix}${TOPICS.machinePositions.name}`)
  t.is(positions?.partitions, TOPICS.machinePositions.partitions)
  t.is(positions?.overrides['cleanup.policy'], 'compact')
  t.is(positions?.overrides['min.insync.replicas'], '1')
})

test.serial(
  'drift is reported and corrected; destructive drift waits for its flag; the CLI exit code says which',
  async (t) => {
    const pings = `${prefix}${TOPICS.machinePings.name}`
    const geofences = `${prefix}${TOPICS.geofences.name}`
    const stray = `${prefix}fleet.tractors.v1`
    await withAdmin(async (admin) => {
      await admin.alterTopicConfig(pings, {
        'retention.ms': String(30 * 86_400_000),
        'min.insync.replicas': '1',
        'cleanup.policy': 'delete',
        'max.message.bytes': '2000000',
      })
      await admin.addPartitions(geofences, 4)
      await admin.createTopic({ name: stray, partitions: 1, replicationFactor: 1, config: {} })
    })

    const lines: string[] = []
    const cli = (...argv: string[]) =>
      main(
        [
          'topics',
          'apply',
          '--profile',
          'local',
          '--prefix',
          prefix,
          '--brokers',
          brokers.join(','),
          ...argv,
        ],
        {
          out: (l) => lines.push(l),
          err: (l) => lines.push(l),
          env: {},
        },
      )

    t.is(await cli('--dry-run'), EXIT.DRIFT)
    const report = lines.join('\n')
    t.regex(
      report,
      new RegExp(`config +${pings.replaceAll('.', '\\.')} max\\.message\\.bytes: 2000000 -> \\(default\\)`),
    )
    t.regex(
      report,
      /retention\.ms 2592000000 -> 604800000 deletes older records \(pass --allow-destructive\)/,
    )
    t.regex(report, /4 partitions, declared 3/)
    t.regex(report, /undeclared .*fleet\.tractors\.v1/)

    lines.length = 0
    t.is(await cli(), EXIT.DRIFT, 'safe changes applied, blocked ones remain')
    const afterSafe = await withAdmin((admin) => readTopics(admin, prefix))
    const pingsNow = afterSafe.find((a) => a.name === pings)
    t.is(pingsNow?.overrides['max.message.bytes'], undefined)
    t.is(pingsNow?.overrides['retention.ms'], String(30 * 86_400_000), 'kept until --allow-destructive')
    t.is(afterSafe.find((a) => a.name === geofences)?.partitions, 4)

    lines.length = 0
    t.is(await cli('--allow-destructive', '--delete-undeclared'), EXIT.OK, lines.join('\n'))
    t.regex(lines.join('\n'), /RECREATE/)
    // A broker applies altered configs when it replays the metadata log: a read right after the change
    // may still see the old value, so the plan is read again until it settles (at most 10 s).
    let changes: unknown
    const fixed = await eventually(
      async () => {
        const plan = await applyTopics({ connection, profile: 'local', prefix, dryRun: true })
        changes = plan.changes
        return plan.changes.length === 0 ? plan : undefined
      },
      { what: 'a plan with no changes', timeoutMs: 10_000, intervalMs: 500, state: () => changes },
    )
    t.deepEqual(fixed.changes, [])
    const names = (await withAdmin((admin) => readTopics(admin, prefix))).map((a) => a.name)
    t.false(names.includes(stray))
    t.true(names.includes(geofences))
  },
)

test.serial('the production profile refuses a cluster with fewer brokers than replicas', async (t) => {
  await t.throwsAsync(applyTopics({ connection, profile: 'production', prefix: `${prefix}prod.` }), {
    message: /--profile local/,
  })
})
