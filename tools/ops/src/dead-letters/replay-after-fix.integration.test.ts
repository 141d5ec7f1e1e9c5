import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contracts, ConfluentSchemaRegistry, createAvroSerde } from '@oxagry/avro'
import { connectClusterAdmin, KafkaJsBackend, readTopic, Serdes, type KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, StreamsBuilder } from '@oxagry/streams'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { DEAD_LETTER_REPLAY_HEADER, deadLetterFormatter } from '@oxagry/topics'
import { pino } from 'pino'
import { EXIT, main } from '../cli.ts'

const test = await integrationTest('kafka', 'schemaRegistry')
const brokers = kafkaBrokers()
const registryUrl = serviceUrl('schemaRegistry')
// Our own names on the shared stack: every topic, application and group of this file starts with it.
const prefix = `ops-it-${randomUUID().slice(0, 8)}`
const kafka: KafkaBackend = new KafkaJsBackend({ brokers, clientId: 'ops-it' })
const S = Serdes.String()

test.after(async () => {
  const admin = await connectClusterAdmin({ brokers }, { clientId: 'ops-it' })
  try {
    for (const t of await admin.describeTopics(prefix)) await admin.deleteTopic(t.name)
  } finally {
    await admin.close()
  }
  await kafka.close()
})

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main([...argv, '--brokers', brokers.join(','), '--registry', registryUrl], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const values = async (topic: string): Promise<string[]> =>
  (await readTopic(kafka, topic)).map((r) => r.value?.toString() ?? '').sort()

test.serial(
  "an application's dead letters replayed: one that fails again is recognisable, and after the fix each is processed once",
  async (t) => {
    const app = `${prefix}-shout`
    const input = `${prefix}.words`
    const output = `${prefix}.shouts`
    const deadLetters = `${prefix}.dead-letters`
    const admin = await kafka.admin()
    await admin.createTopics(
      [input, output, deadLetters].map((name) => ({ name, partitions: 1, config: {} })),
    )
    await admin.close()

    // The bug: words starting with "bad" make the processor throw, until it is fixed.
    let fixed = false
    const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
    b.stream<string, string>(input)
      .mapValues((word) => {
        if (!fixed && word.startsWith('bad')) throw new Error(`cannot shout ${word}`)
        return word.toUpperCase()
      })
      .to(output)
    const serde = await createAvroSerde({
      registry: new ConfluentSchemaRegistry({ url: registryUrl }),
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [deadLetters],
    })
    const streams = new KafkaStreams(b.build(), {
      applicationId: app,
      backend: new KafkaJsBackend({ brokers, clientId: app, sessionTimeoutMs: 6000 }),
      commitIntervalMs: 200,
      stateDir: mkdtempSync(join(tmpdir(), 'ops-it-')),
      processingErrorHandler: {
        deadLetterTopic: deadLetters,
        format: deadLetterFormatter(serde, deadLetters),
      },
      logger: pino({ level: 'silent' }),
    })
    await streams.start()
    try {
      const producer = await kafka.producer({ clientId: 'ops-it-producer' })
      await eventually(
        async () => {
          await producer.send(
            ['ok-1', 'bad-1', 'ok-2', 'bad-2'].map((word) => ({
              topic: input,
              partition: 0,
              key: Buffer.from(word),
              value: Buffer.from(word),
              timestamp: Date.now(),
              headers: {},
            })),
          )
          return true
        },
        { what: `words on ${input}`, timeoutMs: 30_000, intervalMs: 500 },
      )
      await producer.close()
      const settled = async (topic: string, n: number): Promise<void> => {
        let seen: string[] = []
        await eventually(async () => ((seen = await values(topic)).length >= n ? true : undefined), {
          what: `${n} records on ${topic}`,
          timeoutMs: 60_000,
          intervalMs: 500,
          state: () => seen,
        })
      }
      await settled(output, 2)
      await settled(deadLetters, 2)

      // Replayed before the fix: both fail again, and their new dead letters say they were replays.
      const early = await cli('dead-letters', 'replay', deadLetters)
      t.is(early.code, EXIT.OK, early.err)
      t.regex(early.out, /replayed 2 dead letter\(s\)/)
      await settled(deadLetters, 4)
      const list = await cli('dead-letters', 'list', deadLetters, '--filter', 'replayed=true')
      t.is(list.out.split('\n')[0], `${deadLetters}: 2 dead letter(s) matching replayed=true`)
      const show = await cli('dead-letters', 'show', deadLetters, '0:2')
      t.regex(
        show.out,
        new RegExp(`\\nreplay of {4}${deadLetters}:0:[01]: this failure is of a replayed record\\n`),
      )
      t.regex(show.out, /\nreason {7}\S+ \(not retriable\): .*cannot shout bad-\d/)

      // After the fix, the same command resumes past the first two and replays the two new ones.
      fixed = true
      const after = await cli('dead-letters', 'replay', deadLetters)
      t.is(after.code, EXIT.OK, after.err)
      t.regex(after.out, /up to 2 record\(s\) left/)
      t.regex(after.out, /replayed 2 dead letter\(s\)/)
      await settled(output, 4)
      t.deepEqual(await values(output), ['BAD-1', 'BAD-2', 'OK-1', 'OK-2'])
      const replays = (await readTopic(kafka, input)).filter(
        (r) => r.headers[DEAD_LETTER_REPLAY_HEADER] !== undefined,
      )
      t.deepEqual(
        replays.map((r) => r.headers[DEAD_LETTER_REPLAY_HEADER]?.toString()),
        [`${deadLetters}:0:0`, `${deadLetters}:0:1`, `${deadLetters}:0:2`, `${deadLetters}:0:3`],
      )
      t.is((await readTopic(kafka, deadLetters)).length, 4, 'the fixed replays did not fail')
    } finally {
      await streams.close()
    }
  },
)
