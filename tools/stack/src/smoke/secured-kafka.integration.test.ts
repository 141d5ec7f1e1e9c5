import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { aclRules, streamsApplication, TRACKING_APPLICATION_ID } from '@oxagry/deploy'
import {
  availableKafkaClients,
  connectClusterAdmin,
  connectSecurityAdmin,
  createKafkaBackend,
  KAFKA_ERROR_CODES,
  KafkaError,
  KafkaJsBackend,
  kafkaConnectionFromEnv,
  type KafkaAclRule,
  type KafkaClientName,
  type KafkaConnection,
  type SecurityAdmin,
} from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import {
  buildTrackingTopology,
  createTrackingSerdes,
  DEFAULT_TRACKING_TOPICS,
  startTracking,
  type TrackingTopics,
} from '@oxagry/tracking'
import { expectedFrom, observedFrom, prefixedTopics, readOutputs, simulate } from '@oxagry/tracking/testing'
import { pino } from 'pino'
import { parse } from 'yaml'
import { REPO_DIR } from '../config.ts'
import { secureKafkaListener } from '../secure-listener.ts'

// The plain listener (a super user) sets users and ACLs up and feeds the input; the application runs on
// the secured one as its KafkaUser would, with nothing but the ACLs deploy generates for it.
const test = await integrationTest('kafka', 'kafkaSecure', 'schemaRegistry')
const listener = secureKafkaListener()
const plain = (): KafkaConnection => ({ brokers: kafkaBrokers() })

/** A user's connection as its Strimzi Secret and the cluster CA give it, read as every service reads it. */
const userConnection = (user: string, password: string): KafkaConnection =>
  kafkaConnectionFromEnv({
    KAFKA_BROKERS: listener.brokers,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: password,
    KAFKA_SSL_CA_FILE: listener.caFile,
  })

/** The tracking application's ACLs from deploy's generator, for this run's topics and application id. */
async function trackingRules(topics: TrackingTopics, applicationId: string): Promise<KafkaAclRule[]> {
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  const entry = streamsApplication('tracking', {
    applicationId,
    processingGuarantee: 'exactly_once',
    build: async () => ({
      topology: buildTrackingTopology({
        serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
        topics,
      }),
      deadLetterTopics: [topics.deadLetters],
    }),
  })
  return aclRules([await entry.access()])
}

/** The committed KafkaUser's rules with the production names swapped for this run's. */
function committedTrackingRules(topics: TrackingTopics, applicationId: string): KafkaAclRule[] {
  const file = join(REPO_DIR, 'deploy', 'kubernetes', 'base', 'apps', 'tracking', 'kafkauser-tracking.yaml')
  const user = parse(readFileSync(file, 'utf8')) as { spec: { authorization: { acls: KafkaAclRule[] } } }
  const rename = new Map<string, string>(
    Object.entries(DEFAULT_TRACKING_TOPICS).map(([k, name]) => [name, topics[k as keyof TrackingTopics]]),
  )
  return user.spec.authorization.acls.map((rule) => ({
    ...rule,
    resource: {
      ...rule.resource,
      name:
        rename.get(rule.resource.name) ??
        rule.resource.name.replace(new RegExp(`^${TRACKING_APPLICATION_ID}`), applicationId),
    },
  }))
}

const sortRules = (rules: readonly KafkaAclRule[]): string[] => rules.map((r) => JSON.stringify(r)).sort()

async function withSecurityAdmin<T>(body: (admin: SecurityAdmin) => Promise<T>): Promise<T> {
  const admin = await connectSecurityAdmin(plain(), { clientId: 'it-secured-kafka' })
  try {
    return await body(admin)
  } finally {
    await admin.close()
  }
}

/** Removes the run's users, ACLs and topics, whatever happened. */
async function cleanUp(run: string, users: readonly string[]): Promise<void> {
  await withSecurityAdmin(async (admin) => {
    for (const user of users) {
      await admin.deleteAcls(user).catch(() => 0)
      await admin.deleteScramUser(user).catch(() => undefined)
    }
  })
  const cluster = await connectClusterAdmin(plain(), { clientId: 'it-secured-kafka' })
  try {
    for (const topic of await cluster.describeTopics(run))
      await cluster.deleteTopic(topic.name).catch(() => {})
  } finally {
    await cluster.close()
  }
}

test.before((t) => {
  if (!existsSync(listener.caFile))
    t.fail(
      `the secured listener's CA is not at ${listener.caFile} (npm run stack:up makes it; or set KAFKA_SSL_CA_FILE)`,
    )
})

for (const client of availableKafkaClients()) {
  test.serial(
    `${client}: tracking runs under its generated user and ACLs on the SASL_SSL listener`,
    async (t) => {
      const run = `it-secure-${client}-${randomUUID().slice(0, 8)}`
      const topics = prefixedTopics(run)
      const applicationId = `${run}-tracking`
      const user = `${run}-tracking`
      const password = randomBytes(18).toString('base64url')
      const rules = await trackingRules(topics, applicationId)
      t.deepEqual(
        sortRules(rules),
        sortRules(committedTrackingRules(topics, applicationId)),
        "the run's ACLs are the committed KafkaUser's, names aside",
      )
      const feeder = new KafkaJsBackend({ ...plain(), clientId: run })
      const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
      try {
        await withSecurityAdmin(async (admin) => {
          await admin.upsertScramUser(user, password)
          await admin.createAcls(user, rules)
        })
        const sim = await simulate({
          backend: feeder,
          registry,
          topics,
          partitions: 2,
          machines: 6,
          minutes: 15,
          startTimeMs: Date.now() - 3 * 3600_000,
        })
        const expected = expectedFrom(sim)
        const backend = createKafkaBackend(client as KafkaClientName, {
          ...userConnection(user, password),
          clientId: run,
        })
        const tracking = await startTracking({
          backend,
          serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
          topics,
          applicationId,
          processingGuarantee: 'exactly_once',
          streams: { logger: pino({ level: 'warn' }), commitIntervalMs: 200 },
        })
        try {
          const deadline = Date.now() + 90_000
          let observed = observedFrom(await readOutputs(feeder, registry, topics), sim.machines)
          while (Date.now() < deadline && JSON.stringify(observed) !== JSON.stringify(expected)) {
            await new Promise((resolve) => setTimeout(resolve, 1000))
            observed = observedFrom(await readOutputs(feeder, registry, topics), sim.machines)
          }
          t.deepEqual(observed, expected, 'every ping processed, as on the plain listener')
          t.is(tracking.streams.state, 'RUNNING')
        } finally {
          await tracking.close()
          await backend.close()
        }
      } finally {
        await feeder.close()
        await cleanUp(run, [user])
      }
    },
  )

  test.serial(
    `${client}: a user without ACLs is refused with a typed error, and a wrong password too`,
    async (t) => {
      const run = `it-secure-${client}-${randomUUID().slice(0, 8)}`
      const topics = prefixedTopics(run)
      const user = `${run}-nobody`
      const password = randomBytes(18).toString('base64url')
      const feeder = new KafkaJsBackend({ ...plain(), clientId: run })
      try {
        await withSecurityAdmin((admin) => admin.upsertScramUser(user, password))
        const setup = await feeder.admin()
        await setup
          .createTopics([{ name: topics.pings, partitions: 1, config: {} }])
          .finally(() => setup.close())
        const nobody = createKafkaBackend(client as KafkaClientName, {
          ...userConnection(user, password),
          clientId: run,
        })
        try {
          const admin = await nobody.admin()
          const refused = await t.throwsAsync(
            admin
              .createTopics([{ name: `${run}-tracking-store-changelog`, partitions: 1, config: {} }])
              .finally(() => admin.close()),
            { instanceOf: KafkaError },
          )
          t.is(refused.code, KAFKA_ERROR_CODES.NOT_AUTHORIZED, refused.message)
          t.is(refused.context.resource, 'topic')
          t.false(refused.retriable)
          // The application itself: its start asks for its internal topics and group, and is refused.
          const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
          const started = startTracking({
            backend: nobody,
            serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
            topics,
            applicationId: `${run}-tracking`,
            processingGuarantee: 'exactly_once',
            streams: { logger: pino({ level: 'silent' }) },
          })
          if (client === 'kafkajs') {
            const stopped = await t.throwsAsync(started, { instanceOf: KafkaError })
            t.is(stopped.code, KAFKA_ERROR_CODES.NOT_AUTHORIZED, stopped.message)
            t.regex(stopped.message, new RegExp(`TOPIC_AUTHORIZATION_FAILED`))
          } else {
            // librdkafka's metadata leaves out what the user may not describe and says nothing more
            // (node-rdkafka exposes no per-topic error): the start fails, but as missing source topics.
            const stopped = await t.throwsAsync(started)
            t.regex(stopped.message, /source topics do not exist/)
          }
        } finally {
          await nobody.close()
        }
        const impostor = createKafkaBackend(client as KafkaClientName, {
          ...userConnection(user, `${password}-wrong`),
          clientId: run,
        })
        try {
          const failed = await t.throwsAsync(impostor.admin(), { instanceOf: KafkaError })
          t.is(failed.code, KAFKA_ERROR_CODES.AUTHENTICATION, failed.message)
        } finally {
          await impostor.close().catch(() => undefined)
        }
      } finally {
        await feeder.close()
        await cleanUp(run, [user])
      }
    },
  )
}
