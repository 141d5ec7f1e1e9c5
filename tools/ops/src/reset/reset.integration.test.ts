import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectClusterAdmin, KafkaJsBackend, readTopic, Serdes, type KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, StoreType, StreamsBuilder } from '@oxagry/streams'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { pino } from 'pino'
import { EXIT, main } from '../cli.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
// Our own names on the shared stack: every topic, application and group of this file starts with it.
const prefix = `ops-it-${randomUUID().slice(0, 8)}`
const kafka: KafkaBackend = new KafkaJsBackend({ brokers, clientId: 'ops-it' })
const S = Serdes.String()
const L = Serdes.Long()

test.after(async () => {
  const admin = await connectClusterAdmin({ brokers }, { clientId: 'ops-it' })
  try {
    for (const t of await admin.describeTopics(prefix)) await admin.deleteTopic(t.name)
  } finally {
    await admin.close()
  }
  await kafka.close()
})

/** Counts inputs per value: a repartition (the re-key) and a persistent store with a changelog. */
function application(app: string, input: string, output: string, stateDir: string): KafkaStreams {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>(input)
    .groupBy((_key, value) => value)
    .count({ storeName: 'counts', storeType: StoreType.PERSISTENT })
    .toStream()
    .to(output, { valueSerde: L as never })
  return new KafkaStreams(b.build(), {
    applicationId: app,
    backend: new KafkaJsBackend({ brokers, clientId: app, sessionTimeoutMs: 6000 }),
    commitIntervalMs: 200,
    stateDir,
    logger: pino({ level: 'silent' }),
  })
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main([...argv, '--brokers', brokers.join(',')], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** The counts on the output topic, in order, per machine. */
async function counts(output: string): Promise<Map<string, number[]>> {
  const byKey = new Map<string, number[]>()
  for (const r of await readTopic(kafka, output)) {
    const key = r.key?.toString() ?? ''
    byKey.set(key, [...(byKey.get(key) ?? []), Number(r.value?.readBigInt64BE(0))])
  }
  return byKey
}

const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

async function topicsOf(app: string): Promise<string[]> {
  const admin = await connectClusterAdmin({ brokers }, { clientId: 'ops-it' })
  try {
    return (await admin.describeTopics(`${app}-`)).map((t) => t.name)
  } finally {
    await admin.close()
  }
}

test.serial(
  'reset: refused while the application runs; once stopped, it reprocesses its inputs from the start with new internal topics',
  async (t) => {
    const app = `${prefix}-count`
    const input = `${prefix}.pings`
    const output = `${prefix}.counts`
    const stateDir = mkdtempSync(join(tmpdir(), 'ops-it-'))
    const admin = await kafka.admin()
    await admin.createTopics([
      { name: input, partitions: 2, config: {} },
      { name: output, partitions: 2, config: {} },
    ])
    await admin.close()
    const producer = await kafka.producer({ clientId: 'ops-it-producer' })
    // A topic created a moment ago on a busy broker may still be refused; each partition's records go
    // in one request, which lands whole or not at all, so asking again never writes a record twice.
    for (const partition of [0, 1])
      await eventually(
        async () => {
          await producer.send(
            Array.from({ length: 6 }, (_, j) => 2 * j + partition).map((i) => ({
              topic: input,
              partition,
              key: Buffer.from(`k${i}`),
              value: Buffer.from(`m${i % 3}`),
              timestamp: Date.now(),
              headers: {},
            })),
          )
          return true
        },
        { what: `inputs on ${input}:${partition}`, timeoutMs: 30_000, intervalMs: 500 },
      )
    await producer.close()

    const first = application(app, input, output, stateDir)
    await first.start()
    let seen: unknown
    await eventually(
      async () => {
        const c = await counts(output)
        seen = Object.fromEntries(c)
        return ['m0', 'm1', 'm2'].every((m) => c.get(m)?.at(-1) === 4) ? c : undefined
      },
      { what: 'every machine counted to 4', timeoutMs: 60_000, intervalMs: 500, state: () => seen },
    )
    const internal = await topicsOf(app)
    t.true(internal.includes(`${app}-counts-changelog`), internal.join(', '))
    t.true(
      internal.some((n) => n.endsWith('-repartition')),
      internal.join(', '),
    )
    t.true(existsSync(join(stateDir, app)), 'the application keeps local state')

    // While it runs: refused, naming its member; the dry run says it would be refused; nothing changes.
    const refused = await cli('reset', app, '--state-dir', stateDir)
    t.is(refused.code, EXIT.REFUSED, refused.err)
    t.regex(
      refused.err,
      new RegExp(
        `\\[OXA_OPS_GROUP_ACTIVE\\] application ${app} is running: its group has 1 active member\\(s\\): ${app}`,
      ),
    )
    const dryWhileRunning = await cli('reset', app, '--dry-run')
    t.is(dryWhileRunning.code, EXIT.REFUSED)
    t.regex(dryWhileRunning.out, /dry run: a reset would be refused now/)
    t.deepEqual((await topicsOf(app)).sort(), internal.sort(), 'nothing deleted')

    await first.close()

    const dry = await cli('reset', app, '--state-dir', stateDir, '--dry-run')
    t.is(dry.code, EXIT.OK, dry.err)
    t.regex(
      dry.out,
      new RegExp(
        `input topics \\(the group committed offsets for\\): reset to the earliest\\n  ${input.replaceAll('.', '\\.')}:0  \\d+ -> 0\\n  ${input.replaceAll('.', '\\.')}:1  \\d+ -> 0`,
      ),
    )
    t.regex(dry.out, new RegExp(`internal topics: delete\\n(  ${app}-.*\\n){2}`))
    t.regex(dry.out, /dry run: nothing changed$/)
    t.true(existsSync(join(stateDir, app)), 'a dry run removes nothing')

    const reset = await cli('reset', app, '--state-dir', stateDir)
    t.is(reset.code, EXIT.OK, reset.err)
    t.regex(reset.out, new RegExp(`deleted ${app}-counts-changelog`))
    t.false(existsSync(join(stateDir, app)), `state removed: ${readdirSync(stateDir).join(', ')}`)
    await eventually(async () => ((await topicsOf(app)).length === 0 ? true : undefined), {
      what: 'the internal topics deleted',
      timeoutMs: 15_000,
      state: () => undefined,
    })

    // Run again: every input is read from the start into empty state, so each count restarts at 1.
    const second = application(app, input, output, stateDir)
    await second.start()
    try {
      const again = await eventually(
        async () => {
          const c = await counts(output)
          seen = Object.fromEntries(c)
          return ['m0', 'm1', 'm2'].every((m) => c.get(m)?.length === 8) ? c : undefined
        },
        { what: 'every machine counted again', timeoutMs: 60_000, intervalMs: 500, state: () => seen },
      )
      for (const m of ['m0', 'm1', 'm2']) t.deepEqual(again.get(m), [...upTo(4), ...upTo(4)], m)
      t.true((await topicsOf(app)).includes(`${app}-counts-changelog`), 'the changelog was created again')
    } finally {
      await second.close()
    }
  },
)

test.serial(
  'reset of an application that never ran, with an input topic that does not exist: a typed failure',
  async (t) => {
    const result = await cli('reset', `${prefix}-never`, '--input-topics', `${prefix}.missing`)
    t.is(result.code, EXIT.FAILED)
    t.is(result.err, `[OXA_OPS_NOT_FOUND] input topics do not exist: ${prefix}.missing`)
  },
)
