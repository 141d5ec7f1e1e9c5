import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import Fastify from 'fastify'
import { pino } from 'pino'
import { MemoryBackend, partitionForKey, Serdes } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import { countTopology } from '../runtime/integration-fixtures.ts'
import { KafkaStreams } from '../runtime/kafka-streams.ts'
import { StreamsState } from '../runtime/streams-state.ts'
import { FORWARDED_HEADER, interactiveQueries } from './interactive-queries.ts'
import { freePort, lookup, serveCounts } from './query-fixtures.ts'

const PARTITIONS = 4

function broker(): MemoryBackend {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'in', partitions: PARTITIONS, config: {} })
  backend.broker.createTopic({ name: 'out', partitions: 1, config: {} })
  return backend
}

async function instance(backend: MemoryBackend, applicationId: string): Promise<KafkaStreams> {
  return new KafkaStreams(countTopology('in', 'out'), {
    applicationId,
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'iq-http-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
    instanceHeartbeatMs: 200,
    applicationServer: `127.0.0.1:${await freePort()}`,
  })
}

/** Keys m0..m23, key mi counted i % 3 + 1 times. */
const KEYS = Array.from({ length: 24 }, (_, i) => ({ key: `m${i}`, count: (i % 3) + 1 }))

function append(backend: MemoryBackend): void {
  backend.broker.append(
    KEYS.flatMap(({ key, count }) =>
      Array.from({ length: count }, (_, n) => ({
        topic: 'in',
        key: Buffer.from(key),
        value: Buffer.from('x'),
        timestamp: n,
        headers: {},
      })),
    ),
  )
}

test('the plugin refuses to serve an instance without applicationServer', async (t) => {
  const streams = new KafkaStreams(countTopology('in', 'out'), {
    applicationId: 'iq-none',
    backend: broker(),
    logger: pino({ level: 'silent' }),
  })
  const app = Fastify({ logger: false })
  await t.throwsAsync(app.register(interactiveQueries, { streams, stores: {} }).ready(), {
    message: /applicationServer/,
  })
})

test('two instances answer every key through either, forwarding once, and again after one leaves', async (t) => {
  const backend = broker()
  const a = await instance(backend, 'iq-http')
  const b = await instance(backend, 'iq-http')
  const appA = await serveCounts(a)
  const appB = await serveCounts(b)
  t.teardown(async () => {
    await appA.close()
    await appB.close()
    await a.close()
    await b.close()
  })
  // Before the instance knows its input's partitions, no owner is known: 503, with a retry hint.
  const early = await appA.inject({ method: 'GET', url: '/stores/counts/keys/m1' })
  t.is(early.statusCode, 503)
  t.is(early.headers['retry-after'], '1')
  t.is(early.json<{ code: string }>().code, STREAMS_ERROR_CODES.NOT_AVAILABLE)

  await a.start()
  await b.start()
  append(backend)
  const hosts = new Set<unknown>()
  for (const app of [appA, appB]) {
    for (const { key, count } of KEYS) {
      const answer = await eventually(
        async () => {
          const r = await lookup(app, key)
          return r.status === 200 && r.body.value === count ? r : undefined
        },
        { timeoutMs: 10_000, what: `${key} through ${app.server.address() as never}` },
      )
      t.is(answer.body.partition, partitionForKey(Buffer.from(key), PARTITIONS))
      hosts.add(answer.body.host)
    }
  }
  // Both instances own keys, so each lookup through the other one was forwarded.
  t.deepEqual([...hosts].sort(), [`127.0.0.1:${a.hostInfo?.port}`, `127.0.0.1:${b.hostInfo?.port}`].sort())

  // A key with no value: 404 from its owner, wherever it was asked.
  for (const app of [appA, appB]) {
    const missing = await lookup(app, 'never-seen')
    t.is(missing.status, 404)
    t.is(missing.body.code, STREAMS_ERROR_CODES.KEY_NOT_FOUND)
  }
  const unknown = await lookup(appA, 'm1', 'nope')
  t.is(unknown.status, 404)
  t.is(unknown.body.code, STREAMS_ERROR_CODES.UNKNOWN_STORE)

  // A forwarded lookup for a key this instance does not own is refused, never forwarded again.
  const owner = await a.queryMetadataForKey('counts', 'm0', Serdes.String())
  const [stranger, strangerApp] = owner.activeHost?.port === a.hostInfo?.port ? [b, appB] : [a, appA]
  t.not(stranger.hostInfo?.port, owner.activeHost?.port)
  const refused = await strangerApp.inject({
    method: 'GET',
    url: '/stores/counts/keys/m0',
    headers: { [FORWARDED_HEADER]: '127.0.0.1:1' },
  })
  t.is(refused.statusCode, 503)
  t.regex(refused.json<{ message: string }>().message, /not forwarded again/)

  // b leaves: a takes every partition, restores b's counts from the changelogs and answers them all.
  await appB.close()
  await b.close()
  await eventually(
    async () => (a.taskIds.length === PARTITIONS && a.state === StreamsState.RUNNING ? true : undefined),
    { timeoutMs: 10_000, what: 'a owning every partition' },
  )
  for (const { key, count } of KEYS) {
    const r = await lookup(appA, key)
    t.is(r.status, 200, key)
    t.is(r.body.value, count, key)
    t.is(r.body.host, `127.0.0.1:${a.hostInfo?.port}`)
  }
})

test('a key that does not parse is 400, and an owner that does not answer is 503', async (t) => {
  const backend = broker()
  const a = await instance(backend, 'iq-http-errors')
  t.teardown(() => a.close())
  const app = Fastify({ logger: false })
  await app.register(interactiveQueries, {
    streams: a,
    stores: {
      counts: {
        keySerializer: Serdes.String(),
        parseKey: (text: string) => {
          if (!text.startsWith('m')) throw new Error('a machine id starts with m')
          return text
        },
      },
    },
    forwardTimeoutMs: 500,
  })
  const bad = await app.inject({ method: 'GET', url: '/stores/counts/keys/x1' })
  t.is(bad.statusCode, 400)
  t.is(bad.json<{ code: string }>().code, STREAMS_ERROR_CODES.INVALID_KEY)
  // An instance that claims every partition at an address where nothing listens, then goes silent.
  const ghost = await instance(backend, 'iq-http-errors')
  await a.start()
  await ghost.start()
  await eventually(async () => (ghost.taskIds.length > 0 && a.taskIds.length > 0 ? true : undefined), {
    timeoutMs: 10_000,
    what: 'both running',
  })
  const key = await eventually(
    async () => {
      for (let i = 0; i < 50; i++) {
        const m = await a.queryMetadataForKey('counts', `m${i}`, Serdes.String())
        if (m.activeHost !== undefined && m.activeHost.port === ghost.hostInfo?.port) return `m${i}`
      }
      return undefined
    },
    { timeoutMs: 10_000, what: 'a key the ghost owns, as a knows it' },
  )
  const silent = await app.inject({ method: 'GET', url: `/stores/counts/keys/${key}` })
  t.is(silent.statusCode, 503)
  t.is(silent.json<{ code: string }>().code, STREAMS_ERROR_CODES.FORWARD_FAILED)
  await ghost.close()
})
