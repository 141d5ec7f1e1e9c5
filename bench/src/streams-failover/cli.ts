/**
 * Failover time of a stateful task, with and without a standby replica (`numStandbyReplicas`): one
 * input partition, so one task whose count store holds `--keys` keys. Two instances join, the owner of
 * the task counts the keys (the other keeping a standby, or not), the owner is SIGKILLed, and a probe record is sent to the
 * task's partition at once. Reported: how long the survivor took to notice (its rebalance starts: the
 * session timeout), then to process again (the restore, a tail with a standby, the whole changelog
 * without), and from the kill to the probe processed. Exactly-once, on the stack's Kafka.
 *
 *   npm run -w @oxagry/bench streams-failover -- --keys 1000000 --clients kafkajs,rdkafka
 *   --profile-dir DIR   each worker writes a CPU profile there when it exits
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Admin, Producer } from 'kafkajs'
import { KAFKA_CLIENTS, type KafkaClientName } from '@oxagry/kafka'
import { changelogTopic } from '@oxagry/streams'
import { intFlag, listFlag, parseFlags } from '../args.ts'
import { benchKafka, createTopics, deleteTopicsWithPrefix, preload } from '../streams/kafka.ts'
import { formatTable, type Cell } from '../table.ts'
import { emptyLog, enteredSince, readLine, type WorkerLog, type WorkerSpec } from './protocol.ts'

const MODES = ['standby', 'none'] as const
type Mode = (typeof MODES)[number]
const STORES = ['persistent', 'in-memory'] as const

const flags = parseFlags(process.argv.slice(2))
const keys = intFlag(flags, 'keys', 1_000_000)
const clients = listFlag(flags, 'clients', KAFKA_CLIENTS)
const modes = listFlag(flags, 'modes', MODES)
// LMDB unless asked: the store a million keys would live in.
const stores = flags.has('stores') ? listFlag(flags, 'stores', STORES) : (['persistent'] as const)
const sessionTimeoutMs = intFlag(flags, 'session-timeout-ms', 6000)
const timeoutMs = intFlag(flags, 'timeout-ms', 30 * 60_000)
// Records/s of existing keys sent from a second before the kill until the survivor processes again; 0:
// the owner dies idle. Under load it dies inside a transaction, which the survivor's read_committed
// restore and fetches wait out (the transaction timeout) unless its transactional id is fenced.
const rate = intFlag(flags, 'rate', 0, 0)
// Each worker writes a CPU profile there when it exits (the survivor's holds its restore).
const profileDir = flags.get('profile-dir')
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const runId = `failover-${Date.now().toString(36)}`
const log = (line: string): void => console.error(`[bench] ${line}`)
const kafka = benchKafka(brokers)

interface Worker {
  readonly child: ChildProcess
  readonly log: WorkerLog
  readonly stateDir: string
}

function startWorker(spec: Omit<WorkerSpec, 'stateDir'>): Worker {
  const stateDir = mkdtempSync(join(tmpdir(), `${spec.applicationId}-state-`))
  const file = fileURLToPath(new URL('./worker.ts', import.meta.url))
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', file, JSON.stringify({ ...spec, stateDir })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const worker: Worker = { child, log: emptyLog(), stateDir }
  let pending = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) readLine(worker.log, line)
  })
  return worker
}

function alive(worker: Worker): boolean {
  return worker.child.exitCode === null && worker.child.signalCode === null
}

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  workers: Worker[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    if (workers.some((w) => !alive(w) && w.child.signalCode !== 'SIGKILL'))
      throw new Error(`${what}: a worker exited`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function stopWorker(worker: Worker): Promise<void> {
  if (alive(worker)) {
    const exited = new Promise((resolve) => worker.child.once('exit', resolve))
    worker.child.kill('SIGTERM')
    await exited
  }
  rmSync(worker.stateDir, { recursive: true, force: true })
}

async function probe(producer: Producer, topic: string, key: string): Promise<void> {
  await producer.send({ topic, acks: -1, messages: [{ key, value: 'x' }] })
}

/** Sends `perSecond` records of the loaded keys, in tenths of a second, until stopped. */
function steadyLoad(producer: Producer, topic: string, perSecond: number): { stop(): Promise<void> } {
  let next = 0
  const sends = new Set<Promise<unknown>>()
  const timer = setInterval(() => {
    const messages = Array.from({ length: Math.max(1, Math.round(perSecond / 10)) }, () => ({
      key: `k${next++ % keys}`,
      value: 'x',
    }))
    const send = producer.send({ topic, acks: -1, messages }).finally(() => sends.delete(send))
    sends.add(send)
  }, 100)
  return {
    stop: async () => {
      clearInterval(timer)
      await Promise.allSettled([...sends])
    },
  }
}

async function changelogEnd(admin: Admin, app: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(changelogTopic(app, 'counts'))
  return Number(offsets.find((o) => o.partition === 0)?.high ?? 0)
}

/** The row's setup failed in a way a fresh attempt may not repeat. */
class TaskMoved extends Error {}

interface Row {
  readonly client: KafkaClientName
  readonly store: string
  readonly mode: Mode
  readonly restored?: number
  readonly detectMs?: number
  readonly resumeMs?: number
  readonly totalMs?: number
  readonly error?: string
  /** Attempts the row took: a task moved during the load starts the row again. */
  readonly attempts: number
}

async function run(
  client: KafkaClientName,
  store: (typeof STORES)[number],
  mode: Mode,
): Promise<Omit<Row, 'attempts'> | TaskMoved> {
  const app = `${runId}-${client}-${store === 'persistent' ? 'lmdb' : 'mem'}-${mode}-${++attemptNo}`
  const input = `${app}-in`
  const output = `${app}-out`
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  const workers: Worker[] = []
  try {
    await createTopics(brokers, [
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ])
    const spec = {
      applicationId: app,
      input,
      output,
      brokers: brokers.join(','),
      client,
      numStandbyReplicas: mode === 'standby' ? 1 : 0,
      storeType: store,
      sessionTimeoutMs,
    }
    // Both instances join before there is any state, so the survivor never owned the task (a previous
    // owner's checkpoint would make its restore a tail one, standby or not).
    workers.push(startWorker(spec), startWorker(spec))
    const ownerOf = (): Worker | undefined => workers.find((w) => w.log.status?.tasks.includes('0_0'))
    await until(
      'the group settled',
      () =>
        // A joining member stays REBALANCING until the whole group has joined again.
        workers.every((w) => w.log.status !== undefined && w.log.states.at(-1)?.state === 'RUNNING') &&
        workers.filter((w) => w.log.status?.tasks.includes('0_0')).length === 1,
      workers,
    )
    const first = ownerOf() as Worker
    log(`${app}: loading ${keys} keys`)
    const messages = Array.from({ length: keys }, (_, i) => ({ key: `k${i}`, value: 'x' }))
    await preload(producer, input, messages)
    await probe(producer, input, 'probe-load')
    await until('the keys counted', () => workers.some((w) => w.log.probes.has('probe-load')), workers)
    // A member that misses its heartbeats during the load loses the task to the other one, which then
    // has state of its own: its restore after the kill would not be the one this row is about.
    if (ownerOf() !== first || !first.log.probes.has('probe-load'))
      throw new TaskMoved('the task moved to the other instance while the keys were counted')
    const owner = first
    const survivor = workers.find((w) => w !== owner) as Worker
    // Processed is not committed: the kill comes once the group's offset has passed every input, so
    // the restore (tail or whole) reads every key and nothing is left to process again.
    const inputEnd = Number((await admin.fetchTopicOffsets(input)).find((o) => o.partition === 0)?.high)
    await until(
      'the owner committed every key',
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId: app, topics: [input] })
        return Number(committed?.partitions.find((p) => p.partition === 0)?.offset ?? -1) >= inputEnd
      },
      workers,
    )
    if (mode === 'standby') {
      const end = await changelogEnd(admin, app)
      await until(
        'the standby caught up',
        () =>
          survivor.log.status?.standbys.some((s) => s.task === '0_0' && Number(s.offset) >= end - 1) === true,
        workers,
      )
    }
    const load = rate > 0 ? steadyLoad(producer, input, rate) : undefined
    if (load !== undefined) await new Promise((resolve) => setTimeout(resolve, 1000))
    log(`${app}: killing the owner`)
    const killedAt = Date.now()
    owner.child.kill('SIGKILL')
    await probe(producer, input, 'probe-after')
    await until('the survivor processed again', () => survivor.log.probes.has('probe-after'), workers)
    await load?.stop()
    // A status printed after the task moved says what its restore read.
    await until(
      'the survivor reported its restore',
      () => survivor.log.status?.restored.some((r) => r.task === '0_0') === true,
      workers,
    )
    const resumedAt = survivor.log.probes.get('probe-after') ?? 0
    const detectedAt = enteredSince(survivor.log, 'REBALANCING', killedAt)
    const restored = survivor.log.status?.restored.find((r) => r.task === '0_0')?.restored
    return {
      client,
      store,
      mode,
      ...(restored === undefined ? {} : { restored }),
      ...(detectedAt === undefined
        ? {}
        : { detectMs: detectedAt - killedAt, resumeMs: resumedAt - detectedAt }),
      totalMs: resumedAt - killedAt,
    }
  } catch (error) {
    if (error instanceof TaskMoved) {
      log(`${app}: ${error.message}; starting the row again`)
      return error
    }
    const message = error instanceof Error ? error.message : String(error)
    log(`${app}: FAILED: ${message}`)
    return { client, store, mode, error: message }
  } finally {
    for (const w of workers) await stopWorker(w)
    await producer.disconnect()
    await deleteTopicsWithPrefix(admin, app).catch((error: unknown) =>
      log(`${app}: cleanup: ${String(error)}`),
    )
    await admin.disconnect()
  }
}

let attemptNo = 0
const attempts = intFlag(flags, 'attempts', 3, 1)
const rows: Row[] = []
for (const client of clients)
  for (const store of stores)
    for (const mode of modes) {
      for (let attempt = 1; ; attempt++) {
        const outcome = await run(client, store, mode)
        if (!(outcome instanceof TaskMoved)) {
          rows.push({ ...outcome, attempts: attempt })
          break
        }
        if (attempt === attempts) {
          rows.push({ client, store, mode, error: outcome.message, attempts: attempt })
          break
        }
      }
    }

const seconds = (ms: number | undefined): Cell => (ms === undefined ? undefined : ms / 1000)
console.log(
  `\nFailover of one task with a ${keys}-key count store, exactly-once, session timeout ${sessionTimeoutMs} ms, ${rate === 0 ? 'the owner idle' : `${rate} records/s around the kill`}\n`,
)
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'store' },
      { header: 'standby' },
      { header: 'restored records', align: 'right' },
      { header: 'kill → rebalance s', align: 'right' },
      { header: 'rebalance → processing s', align: 'right' },
      { header: 'kill → processing s', align: 'right' },
      { header: 'attempts', align: 'right' },
      { header: 'error' },
    ],
    rows.map((r) => [
      r.client,
      r.store,
      r.mode === 'standby' ? 'yes' : 'no',
      r.restored,
      seconds(r.detectMs),
      seconds(r.resumeMs),
      seconds(r.totalMs),
      r.attempts,
      r.error,
    ]),
  ),
)
process.exitCode = rows.some((r) => r.error !== undefined) ? 1 : 0
