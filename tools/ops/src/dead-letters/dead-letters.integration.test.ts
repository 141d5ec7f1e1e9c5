import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import {
  connectClusterAdmin,
  KafkaJsBackend,
  rdkafkaAvailable,
  readTopic,
  type ClusterAdmin,
  type KafkaBackend,
} from '@oxagry/kafka'
import { eventually, integrationTest, kafkaBrokers, servicesRequired, serviceUrl } from '@oxagry/testkit'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { EXIT, main } from '../cli.ts'
import { parseFilter } from '../filter.ts'
import { deadLetterRecords, failure } from '../testing/dead-letters.ts'
import { defaultReplayGroup } from './replay.ts'

const test = await integrationTest('kafka', 'schemaRegistry')
const brokers = kafkaBrokers()
const registryUrl = serviceUrl('schemaRegistry')
// Our own names on the shared stack: every topic and group of this file starts with it.
const prefix = `ops-it-${randomUUID().slice(0, 8)}`
const deadLetters = `${prefix}.dead-letters`
const source = `${prefix}.commands`
const TOTAL = 200
const kafka: KafkaBackend = new KafkaJsBackend({ brokers, clientId: 'ops-it' })
let admin: ClusterAdmin

/** Dead letters as the applications write them: the catalogue's envelope through the real registry. */
async function seed(dlq: string, sourceTopic: string, total: number): Promise<void> {
  const backendAdmin = await kafka.admin()
  await backendAdmin.createTopics([
    { name: dlq, partitions: 2, config: {} },
    { name: sourceTopic, partitions: 2, config: {} },
  ])
  await backendAdmin.close()
  const registry = new ConfluentSchemaRegistry({ url: registryUrl })
  const records = await deadLetterRecords(
    registry,
    dlq,
    Array.from({ length: total }, (_, i) =>
      failure({
        application: i % 4 === 0 ? 'inventory-app' : 'orders-app',
        topic: sourceTopic,
        partition: i % 2,
        offset: 1000 + i,
        key: Buffer.from(`O-${i}`),
        value: Buffer.from(`order ${i}`),
        headers: { attempt: Buffer.from(String(i)) },
      }),
    ),
  )
  const producer = await kafka.producer({ clientId: 'ops-it-producer' })
  try {
    // A topic created a moment ago on a busy broker may still be refused ("does not host this
    // topic-partition"); each partition's records go in one request, which lands whole or not at all.
    for (const partition of [0, 1])
      await eventually(
        async () => {
          await producer.send(records.filter((_, i) => i % 2 === partition).map((r) => ({ ...r, partition })))
          return true
        },
        { what: `dead letters on ${dlq}:${partition}`, timeoutMs: 30_000, intervalMs: 500 },
      )
  } finally {
    await producer.close()
  }
}

test.before(async () => {
  admin = await connectClusterAdmin({ brokers }, { clientId: 'ops-it' })
  await seed(deadLetters, source, TOTAL)
})

test.after(async () => {
  for (const t of await admin.describeTopics(prefix)) await admin.deleteTopic(t.name)
  await admin.close()
  await kafka.close()
})

const common = ['--brokers', brokers.join(','), '--registry', registryUrl]

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliWith({}, ...argv)
}

async function cliWith(
  env: NodeJS.ProcessEnv,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main([...argv, ...common], { out: (l) => out.push(l), err: (l) => err.push(l), env })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function committed(group: string, topic = deadLetters): Promise<number> {
  return (await admin.groupOffsets(group))
    .filter((o) => o.topic === topic)
    .reduce((n, o) => n + Number(o.offset), 0)
}

/**
 * The group's offsets as the next replay reads them. A transaction's offsets reach the group only once
 * its commit markers are written, after the commit returned; registering the replay's transactional id,
 * as a replay does first, waits for that (and aborts what a killed run left open).
 */
async function settled(group: string, topic = deadLetters): Promise<number> {
  const producer = await kafka.producer({ clientId: 'ops-it-settle', transactionalId: `${group}.tx` })
  await producer.close()
  return committed(group, topic)
}

test.serial('list counts by application, stage and error code; show decodes one dead letter', async (t) => {
  const list = await cli('dead-letters', 'list', deadLetters, '--limit', '3')
  t.is(list.code, EXIT.OK, list.err)
  const lines = list.out.split('\n')
  t.is(lines[0], `${deadLetters}: ${TOTAL} dead letter(s) matching all`)
  t.regex(
    list.out,
    /\n +150 +orders-app +PROCESSING +OXA_ORDERS_INVALID\n +50 +inventory-app +PROCESSING +OXA_ORDERS_INVALID\n/,
  )
  t.regex(list.out, /most recent 3:\n( {2}[01]:\d+ .*\n){2} {2}[01]:\d+ .*$/)

  const filtered = await cli(
    'dead-letters',
    'list',
    deadLetters,
    '--filter',
    'application=inventory-app',
    '--limit',
    '0',
  )
  t.is(filtered.out.split('\n')[0], `${deadLetters}: 50 dead letter(s) matching application=inventory-app`)

  const show = await cli('dead-letters', 'show', deadLetters, '1:0')
  t.is(show.code, EXIT.OK, show.err)
  t.regex(show.out, new RegExp(`^dead letter ${deadLetters}:1:0 \\(key ${source}:1:1001\\)`))
  t.regex(show.out, new RegExp(`\\nsource {7}${source} partition 1 offset 1001, `))
  t.regex(show.out, /\nreason {7}OXA_ORDERS_INVALID \(not retriable\): quantity must be positive\n/)
  t.regex(show.out, /\nvalue {8}7 bytes\n {13}hex {2}6f726465722031\n {13}utf8 "order 1"\n/)
  t.regex(show.out, /\nheader {7}attempt: hex {2}31 \| utf8 "1"$/)

  const missing = await cli('dead-letters', 'show', deadLetters, '1:100000')
  t.is(missing.code, EXIT.FAILED)
  t.regex(missing.err, /^\[OXA_OPS_NOT_FOUND\] .*:1:100000: partition 1 holds offsets 0 to 99$/)
})

test.serial('a dry run replays nothing and commits nothing', async (t) => {
  const dry = await cli(
    'dead-letters',
    'replay',
    deadLetters,
    '--filter',
    'application=inventory-app',
    '--dry-run',
  )
  t.is(dry.code, EXIT.OK, dry.err)
  t.regex(
    dry.out,
    /dry run: 50 dead letter\(s\) would be replayed, 150 passed over by the filter; nothing produced or committed$/,
  )
  t.is((await readTopic(kafka, source)).length, 0)
})

test.serial(
  'a replay killed midway and run again lands each dead letter exactly once on its source topic',
  async (t) => {
    const group = defaultReplayGroup(deadLetters, new Map())
    const main = fileURLToPath(new URL('../main.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'dead-letters', 'replay', deadLetters, '--batch-size', '1', ...common],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    // Killed without warning once some batches are committed: the batch in flight is left open.
    await eventually(async () => ((await committed(group)) >= 10 ? true : undefined), {
      what: 'the first replay under way',
      timeoutMs: 60_000,
      intervalMs: 50,
      state: () => output,
    })
    child.kill('SIGKILL')
    t.is(await exited, null, 'killed, not finished')
    const done = await settled(group)
    t.true(done >= 10 && done < TOTAL, `interrupted after ${done} of ${TOTAL}`)

    t.log(`killed after ${done} of ${TOTAL} dead letters were committed (batch size 1)`)
    const started = Date.now()
    const resumed = await cli('dead-letters', 'replay', deadLetters, '--batch-size', '7')
    t.log(`the resumed run replayed ${TOTAL - done} in ${Date.now() - started} ms (batch size 7)`)
    t.is(resumed.code, EXIT.OK, resumed.err)
    t.regex(
      resumed.out,
      new RegExp(
        `replaying ${deadLetters} \\(group ${group}, filter all\\): up to ${TOTAL - done} record\\(s\\) left`,
      ),
    )
    t.regex(
      resumed.out,
      new RegExp(`replayed ${TOTAL - done} dead letter\\(s\\), 0 passed over by the filter`),
    )
    t.is(await settled(group), TOTAL)

    // What read_committed consumers (the applications) see: every original record once, where it came from.
    const replayed = await readTopic(kafka, source)
    t.is(replayed.length, TOTAL)
    const byValue = new Map(replayed.map((r) => [r.value?.toString(), r]))
    t.is(byValue.size, TOTAL, 'no record twice')
    const origins = new Set(replayed.map((r) => r.headers[DEAD_LETTER_REPLAY_HEADER]?.toString()))
    t.is(origins.size, TOTAL, 'each dead letter replayed once')
    for (let i = 0; i < TOTAL; i++) {
      const r = byValue.get(`order ${i}`)
      t.truthy(r, `order ${i}`)
      if (r === undefined) continue
      t.is(r.key?.toString(), `O-${i}`)
      t.is(r.partition, i % 2)
      t.is(r.headers.attempt?.toString(), String(i))
      t.regex(
        r.headers[DEAD_LETTER_REPLAY_HEADER]?.toString() ?? '',
        new RegExp(`^${deadLetters}:${i % 2}:${Math.floor(i / 2)}$`),
      )
    }

    const again = await cli('dead-letters', 'replay', deadLetters)
    t.is(again.code, EXIT.OK, again.err)
    t.regex(again.out, /nothing left/)
    t.regex(again.out, /replayed 0 dead letter\(s\)/)
    t.is((await readTopic(kafka, source)).length, TOTAL, 'a finished replay run again produces nothing')
  },
)

test.serial(
  'a replay through librdkafka ($KAFKA_CLIENT=rdkafka): each dead letter once, and a second run replays none',
  async (t) => {
    if (!servicesRequired() && !rdkafkaAvailable()) {
      t.log('node-rdkafka is not built here: kafkajs only')
      t.pass()
      return
    }
    const dlq = `${prefix}.rd.dead-letters`
    const sourceTopic = `${prefix}.rd.commands`
    await seed(dlq, sourceTopic, 40)
    const env = { KAFKA_CLIENT: 'rdkafka' }
    const first = await cliWith(
      env,
      'dead-letters',
      'replay',
      dlq,
      '--batch-size',
      '9',
      '--filter',
      'application=orders-app',
    )
    t.is(first.code, EXIT.OK, first.err)
    t.regex(first.out, /replayed 30 dead letter\(s\), 10 passed over by the filter/)
    const group = defaultReplayGroup(dlq, parseFilter(['application=orders-app']))
    t.is(await settled(group, dlq), 40)
    const second = await cliWith(env, 'dead-letters', 'replay', dlq, '--filter', 'application=orders-app')
    t.regex(second.out, /replayed 0 dead letter\(s\)/)
    const replayed = await readTopic(kafka, sourceTopic)
    t.is(replayed.length, 30)
    t.is(new Set(replayed.map((r) => r.headers[DEAD_LETTER_REPLAY_HEADER]?.toString())).size, 30)
    t.deepEqual(
      replayed.map((r) => r.value?.toString()).sort(),
      Array.from({ length: 40 }, (_, i) => i)
        .filter((i) => i % 4 !== 0)
        .map((i) => `order ${i}`)
        .sort(),
      "only the filter's dead letters",
    )
  },
)
