import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  ConfluentSchemaRegistry,
  nameUuid,
  type BookingEvent,
  type BookingId,
  type MachineType,
} from '@oxagry/avro'
import { createKafkaBackend, readTopic, type BackendProducer } from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { auditBookings } from './invariants.ts'
import { createBookingsSerdes } from './serdes.ts'
import {
  cancelCommand,
  createTopics,
  freshStateDir,
  prefixedTopics,
  requestCommand,
  seedTables,
  sendValues,
  TYPES,
} from './testing/scenario.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url))
const PARTITIONS = 3
const REQUESTS = 240
const KILLS = 4

function startChild(spec: object): { child: ChildProcess; running: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const running = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('RUNNING bookings')) resolve()
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`bookings exited (${code ?? signal}) before running`)),
    )
  })
  running.catch(() => {})
  return { child, running }
}

test('Kafka, exactly-once: two clients book concurrently while the application is SIGKILLed; no machine is ever assigned twice and every request is answered once', async (t) => {
  t.timeout(300_000)
  const prefix = `it-bookings-${randomUUID().slice(0, 8)}`
  const topics = prefixedTopics(prefix)
  const backend = createKafkaBackend('kafkajs', { brokers: kafkaBrokers(), clientId: prefix })
  const registryUrl = serviceUrl('schemaRegistry')
  const serdes = await createBookingsSerdes(new ConfluentSchemaRegistry({ url: registryUrl }), topics, {
    autoRegister: true,
  })
  await createTopics(backend, topics, PARTITIONS)
  const base = Date.UTC(2027, 3, 1, 7)
  // Three machines per type and requests over 12 days: machines run out, so rejections and
  // cancellations (which free a machine for a later request) both happen under the kills.
  await seedTables(backend, serdes, topics, 3, Date.now())
  const spec = {
    prefix,
    brokers: kafkaBrokers(),
    registryUrl,
    stateDir: freshStateDir(t),
    partitions: PARTITIONS,
  }
  let worker = startChild(spec)
  const clients = await Promise.all(
    [0, 1].map((i) => backend.producer({ clientId: `${prefix}-client-${i}` })),
  )
  try {
    await worker.running
    let seed = 7
    const random = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return (seed >>> 16) % n
    }
    const requested: { id: BookingId; type: MachineType }[] = []
    const batches: { id: BookingId; type: MachineType; cancel: boolean }[][] = [[], []]
    for (let i = 0; i < REQUESTS; i++) {
      const type = TYPES[random(TYPES.length)] as MachineType
      const id = nameUuid(`${prefix}:booking:${i}`) as BookingId
      requested.push({ id, type })
      ;(batches[i % 2] as { id: BookingId; type: MachineType; cancel: boolean }[]).push({
        id,
        type,
        cancel: false,
      })
      if (random(6) === 0) {
        const victim = requested[random(requested.length)] as { id: BookingId; type: MachineType }
        ;(batches[random(2)] as { id: BookingId; type: MachineType; cancel: boolean }[]).push({
          ...victim,
          cancel: true,
        })
      }
    }
    // Each client sends its share in slices of 10, both at once, while the application is killed.
    const send = async (client: number) => {
      const mine = batches[client] as { id: BookingId; type: MachineType; cancel: boolean }[]
      for (let i = 0; i < mine.length; i += 10) {
        const slice = mine.slice(i, i + 10)
        await sendValues(
          clients[client] as BackendProducer,
          topics.bookingCommands,
          serdes.bookingCommand,
          slice.map((c) => [
            c.type,
            c.cancel
              ? cancelCommand(c.id, c.type)
              : requestCommand(c.id, c.type, base, random(12), 1 + random(3)),
          ]),
        )
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    const kills = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await new Promise((resolve) => setTimeout(resolve, 3_000 + random(2_000)))
        worker.child.kill('SIGKILL')
        worker = startChild(spec)
        await worker.running
      }
    })()
    await Promise.all([send(0), send(1), kills])

    const deadline = Date.now() + 120_000
    let audit = auditBookings([])
    for (;;) {
      const events: BookingEvent[] = []
      for (const r of await readTopic(backend, topics.bookingEvents))
        if (r.value !== null)
          events.push(await serdes.bookingEvent.deserialize(topics.bookingEvents, r.value, r.headers ?? {}))
      audit = auditBookings(events)
      if ((audit.requested === REQUESTS && audit.unanswered.length === 0) || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
    t.log(
      `${REQUESTS} requests, ${KILLS} kills: ${audit.assigned} assigned, ${audit.rejected} rejected, ${audit.cancelled} cancelled`,
    )
    t.deepEqual(audit.violations, [])
    t.is(audit.requested, REQUESTS)
    t.deepEqual(audit.unanswered, [])
    t.true(audit.assigned > 0 && audit.rejected > 0, 'both outcomes happened')
  } finally {
    worker.child.kill('SIGKILL')
    await Promise.all(clients.map((c) => c.close()))
    await backend.close()
  }
})
