import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'
import { exitOnError } from './signals.ts'

const S = Serdes.String()

/** An instance whose processor fails as a full disk makes a store write fail. */
async function startFailing(): Promise<{ streams: KafkaStreams; backend: MemoryBackend }> {
  const backend = new MemoryBackend()
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 1, config: {} })
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .mapValues((v) => {
      if (v === 'full')
        throw Object.assign(new Error('MDB_MAP_FULL: no space left on device'), { code: 'ENOSPC' })
      return v
    })
    .to('out')
  const streams = new KafkaStreams(b.build(), {
    applicationId: 'failing',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'streams-exit-')),
    pollIntervalMs: 10,
  })
  await streams.start()
  return { streams, backend }
}

function produce(backend: MemoryBackend, value: string): void {
  backend.broker.append([
    { topic: 'in', key: Buffer.from('k'), value: Buffer.from(value), timestamp: 1, headers: {} },
  ])
}

test('an instance that fails for good closes what the process holds and exits with 1', async (t) => {
  const { streams, backend } = await startFailing()
  const closed: string[] = []
  const exited = new Promise<number>((resolve) =>
    exitOnError([streams], [streams, { close: async () => void closed.push('http') }], { exit: resolve }),
  )
  produce(backend, 'ok')
  produce(backend, 'full')
  t.is(await exited, 1)
  t.is(streams.state, StreamsState.ERROR)
  t.false(streams.health().live)
  t.deepEqual(closed, ['http'])
  t.regex(streams.error?.message ?? '', /no space left on device/)
})

test('a close that hangs does not keep a failed process alive: it exits with 1 after the bound', async (t) => {
  const { streams, backend } = await startFailing()
  const started = Date.now()
  const exited = new Promise<number>((resolve) =>
    exitOnError([streams], [streams, { close: () => new Promise<void>(() => {}) }], {
      exit: resolve,
      timeoutMs: 100,
    }),
  )
  produce(backend, 'full')
  t.is(await exited, 1)
  t.true(Date.now() - started >= 100)
})

test('a clean close is not a failure: nothing exits', async (t) => {
  const { streams } = await startFailing()
  let exitedWith: number | undefined
  exitOnError([streams], [streams], { exit: (code) => (exitedWith = code) })
  await streams.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(streams.state, StreamsState.NOT_RUNNING)
  t.is(exitedWith, undefined)
})

test('an instance that failed before it was watched ends the process as well', async (t) => {
  const { streams, backend } = await startFailing()
  produce(backend, 'full')
  while (streams.state !== StreamsState.ERROR) await new Promise((resolve) => setTimeout(resolve, 5))
  const exited = new Promise<number>((resolve) => exitOnError([streams], [streams], { exit: resolve }))
  t.is(await exited, 1)
})
