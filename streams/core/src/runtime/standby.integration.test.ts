import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually, integrationTest, kafkaBrokers, servicesRequired } from '@oxagry/testkit'
import { availableKafkaClients, KAFKA_CLIENTS } from '@oxagry/kafka'
import { consumeAll, createTopics, pings, produce, testBackend } from './integration-fixtures.ts'
import { changelogTopic } from './internal-topics.ts'
import type { StandbyWorkerSpec, StandbyWorkerStatus } from './standby-worker.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()
const kafka = testBackend(brokers)
test.after(() => kafka.close())

const TEST_CLIENTS = servicesRequired() ? [...KAFKA_CLIENTS] : availableKafkaClients()
const KEYS = 300

/** A worker process and the last status line it printed. */
interface Worker {
  readonly child: ChildProcess
  status(): StandbyWorkerStatus | undefined
}

function startWorker(spec: StandbyWorkerSpec): Worker {
  const file = fileURLToPath(new URL('./standby-worker.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', file, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let last: StandbyWorkerStatus | undefined
  let pending = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines)
      if (line.startsWith('STATUS ')) last = JSON.parse(line.slice(7)) as StandbyWorkerStatus
  })
  return { child, status: () => last }
}

async function stop(worker: Worker): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return
  const exited = new Promise((resolve) => worker.child.once('exit', resolve))
  worker.child.kill('SIGTERM')
  await exited
}

/** Reads the counts (read_committed) until every key has reached `perKey`. */
function readCounts(output: string, perKey: number): Promise<{ key: string; value: number }[]> {
  return consumeAll(
    kafka,
    output,
    (records) => {
      const last = new Map(records.map((r) => [r.key, r.value]))
      return last.size === KEYS && [...last.values()].every((v) => v >= perKey)
    },
    { readCommitted: true, timeoutMs: 90_000 },
  )
}

// A persistent standby hands its LMDB stores over; an in-memory one its maps (nothing else keeps them).
for (const [client, storeType] of TEST_CLIENTS.flatMap((c) =>
  (['persistent', 'in-memory'] as const).map((s) => [c, s] as const),
)) {
  test.serial(
    `${client}, ${storeType}: the owner is SIGKILLed, its standby takes the task over restoring only the tail, exactly once`,
    async (t) => {
      const id = randomUUID().slice(0, 8)
      const app = `it-standby-${id}`
      const input = `${app}-in`
      const output = `${app}-out`
      await createTopics(kafka, [
        { name: input, partitions: 2 },
        { name: output, partitions: 2 },
      ])
      const spec = (stateDir: string): StandbyWorkerSpec => ({
        applicationId: app,
        input,
        output,
        brokers: brokers.join(','),
        stateDir,
        client,
        numStandbyReplicas: 1,
        storeType,
      })
      const owner = startWorker(spec(mkdtempSync(join(tmpdir(), 'standby-it-'))))
      const survivor = startWorker(spec(mkdtempSync(join(tmpdir(), 'standby-it-'))))
      try {
        const split = { timeoutMs: 60_000, what: 'one task each' }
        await eventually(
          async () =>
            owner.status()?.tasks.length === 1 && survivor.status()?.tasks.length === 1 ? true : undefined,
          { ...split, state: () => [owner.status(), survivor.status()] },
        )
        await produce(kafka, input, pings(KEYS, 3))
        await readCounts(output, 3)
        const promoted = owner.status()?.tasks[0] ?? ''
        const partition = Number(promoted.split('_')[1])
        const admin = await kafka.admin()
        const end = Number((await admin.endOffsets(changelogTopic(app, 'counts'))).get(partition))
        await admin.close()
        t.true(end > KEYS / 4, `the changelog of ${promoted} holds its keys' counts (end ${end})`)
        // The standby has applied every record of the owner's changelog (only a commit marker may follow).
        await eventually(
          async () =>
            survivor.status()?.standbys.some((s) => s.task === promoted && Number(s.offset) >= end - 1) ===
            true
              ? true
              : undefined,
          { timeoutMs: 60_000, what: 'the standby caught up', state: () => survivor.status() },
        )
        owner.child.kill('SIGKILL')
        await eventually(
          async () => (survivor.status()?.tasks.includes(promoted) === true ? true : undefined),
          { timeoutMs: 90_000, what: 'the survivor took the task', state: () => survivor.status() },
        )
        const restored = survivor.status()?.restored.find((r) => r.task === promoted)
        t.is(restored?.restored, 0, `only the tail was restored: ${JSON.stringify(restored)}`)
        t.true((restored?.total ?? Infinity) <= 1, `nothing but a commit marker past the standby`)

        await produce(kafka, input, pings(KEYS, 1))
        const records = await readCounts(output, 4)
        const seen = new Map<string, number[]>()
        for (const r of records) seen.set(r.key, [...(seen.get(r.key) ?? []), r.value])
        t.is(seen.size, KEYS)
        t.true(
          [...seen.values()].every((values) => values.join() === '1,2,3,4'),
          'a read_committed reader sees every count once, in order, the warm counts carried on',
        )
      } finally {
        owner.child.kill('SIGKILL')
        await stop(survivor)
      }
    },
  )
}
