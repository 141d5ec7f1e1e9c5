import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { platformModules, readConfig, startPlatform, type MainConfig, type Platform } from '@oxagry/main'
import { localBearer } from '@oxagry/main/testing'
import { startEmbeddedRegistry } from '@oxagry/registry'
import { eventually } from '@oxagry/testkit'
import { creatableTopic, TOPICS } from '@oxagry/topics'
import { pino } from 'pino'
import { workloadAcls } from '../users.ts'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { AuditingBackend } from './auditing-backend.ts'
import { refused } from './coverage.ts'
import { startOutsideTraffic, type OutsideTraffic } from './outside-traffic.ts'

/** A workload's own environment values, as its ConfigMap gives them (references are resolved below). */
const plainEnv = (w: Workload): Record<string, string> =>
  Object.fromEntries(Object.entries(w.env).flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])))

// The check (#10): the whole platform, as the workloads run it (one part each, SIMULATOR=off,
// topics made beforehand as Strimzi's topic operator makes them, embedded stores), does real work, each
// workload on its own audited backend of one broker; whatever a workload asked of Kafka that its own
// KafkaUser's ACLs would refuse fails the test, so a part gaining a topic or group fails it.
test('everything each running workload asks of Kafka, its own user may do', async (t) => {
  t.timeout(300_000)
  const root = mkdtempSync(join(tmpdir(), 'oxagry-acl-audit-'))
  const registry = await startEmbeddedRegistry()
  const broker = new MemoryBroker()
  const admin = await new MemoryBackend(broker).admin()
  await admin.createTopics(
    platformModules(readConfig({})).flatMap((m) => m.topics.map((spec) => creatableTopic(spec))),
  )
  await admin.close()
  const running: { workload: Workload; platform: Platform; audited: AuditingBackend; config: MainConfig }[] =
    []
  let traffic: OutsideTraffic | undefined
  try {
    for (const workload of WORKLOADS) {
      const config = readConfig({
        PLATFORM_PARTS: workload.name,
        SIMULATOR: 'off',
        // The tracking service creates no topics either; tools/main's workloads say so themselves.
        CREATE_TOPICS: 'off',
        ...plainEnv(workload),
        HOST: '127.0.0.1',
        PORT: '0',
        STATE_DIR: join(root, workload.name),
        CLICKHOUSE_URL: 'chdb::memory:',
        SCHEMA_REGISTRY_URL: registry.url,
      })
      t.deepEqual(config.parts, [workload.name])
      t.is(config.simulator.enabled, false, 'as the workload runs it')
      const audited = new AuditingBackend(new MemoryBackend(broker))
      const platform = await startPlatform(config, pino({ level: 'silent' }), undefined, {
        wrapBackend: () => audited,
      })
      running.push({ workload, platform, audited, config })
    }
    const api = running.find((r) => r.workload.name === 'api')
    if (api === undefined) throw new Error('no api workload')
    traffic = await startOutsideTraffic(new MemoryBackend(broker), registry.url)
    const post = async (path: string, key: string, body: unknown): Promise<number> => {
      const answer = await fetch(new URL(path, api.platform.urls.api), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          // A configured registry makes the API require tokens: signed with the process's local key.
          ...(await localBearer(api.config, ['commerce:write'])),
        },
        body: JSON.stringify(body),
      })
      return answer.status
    }
    const checkout = await post('/api/v1/orders', 'acl-audit-1', {
      customerId: traffic.customerId,
      currency: 'EUR',
      items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 1, unitPriceMinor: 3450 }],
      deliveryLocation: { latitude: 52.37, longitude: 9.73 },
    })
    t.is(checkout, 202, 'the API takes a checkout')
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const booking = await post('/api/v1/bookings', 'acl-audit-booking-1', {
      customerId: traffic.customerId,
      machineType: 'COMBINE',
      fieldId: traffic.fieldId,
      startDate: tomorrow,
      endDate: tomorrow,
    })
    t.is(booking, 202, 'the API takes a booking')
    const wrote = (topic: string) => async () =>
      running.some(({ audited }) =>
        audited.requests.some((r) => r.type === 'topic' && r.name === topic && r.operation === 'Write'),
      ) || undefined
    // Each domain's output written: the work went through every application and worker.
    for (const topic of [
      TOPICS.machinePositions.name,
      TOPICS.orderStatus.name,
      TOPICS.stockEvents.name,
      TOPICS.paymentEvents.name,
      TOPICS.notificationDeliveries.name,
      TOPICS.bookingEvents.name,
    ])
      await eventually(wrote(topic), { timeoutMs: 120_000, what: `a write to ${topic}` })
    // The sinks store a few batches and the live views keep following.
    await new Promise((r) => setTimeout(r, 3_000))
  } finally {
    await traffic?.stop()
    for (const { platform } of running.reverse()) await platform.close({ timeoutMs: 30_000 })
    await registry.close()
    rmSync(root, { recursive: true, force: true })
  }
  t.is(running.length, WORKLOADS.length)
  for (const { workload, audited } of running) {
    const kinds = new Set(audited.requests.map((r) => `${r.operation} ${r.type}`))
    t.true(kinds.has('Read topic'), `${workload.name} read`)
    t.false(kinds.has('Create topic') && workload.kind !== 'stream', `${workload.name} created topics`)
    t.deepEqual(refused(await workloadAcls(workload), audited.requests), [], workload.name)
  }
  const kinds = new Set(
    running.flatMap(({ audited }) => audited.requests.map((r) => `${r.operation} ${r.type}`)),
  )
  for (const kind of ['Read group', 'Write topic', 'Write transactionalId', 'Create topic'])
    t.true(kinds.has(kind), `the run asked for ${kind}`)
})
