import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import type { KafkaBackend } from '@oxagry/kafka'
import { readConfig, startPlatform } from '@oxagry/main'
import { localBearer } from '@oxagry/main/testing'
import { startEmbeddedRegistry } from '@oxagry/registry'
import { eventually } from '@oxagry/testkit'
import { TOPICS } from '@oxagry/topics'
import { pino } from 'pino'
import { workloadAcls } from '../users.ts'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { AuditingBackend } from './auditing-backend.ts'
import { refused } from './coverage.ts'
import { startOutsideTraffic, type OutsideTraffic } from './outside-traffic.ts'

const platformWorkload = WORKLOADS.find((w) => w.name === 'platform') as Workload
// The check (#10): the whole platform, as the `platform` workload runs it (SIMULATOR=off, every
// module on embedded stores), does real work on an audited backend; whatever it asked of Kafka that
// its KafkaUser's ACLs would refuse fails the test, so a module gaining a topic or group fails it.
test('everything the running platform asks of Kafka, its workload user may do', async (t) => {
  t.timeout(300_000)
  const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-acl-audit-'))
  const registry = await startEmbeddedRegistry()
  const config = readConfig({
    ...Object.fromEntries(
      Object.entries(platformWorkload.env).flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])),
    ),
    HOST: '127.0.0.1',
    PORT: '0',
    STATE_DIR: stateDir,
    CLICKHOUSE_URL: 'chdb::memory:',
    SCHEMA_REGISTRY_URL: registry.url,
  })
  t.is(config.simulator.enabled, false, 'as the workload runs it')
  let audited: AuditingBackend | undefined
  let broker: KafkaBackend | undefined
  const platform = await startPlatform(config, pino({ level: 'silent' }), undefined, {
    wrapBackend: (made) => {
      broker = made
      audited = new AuditingBackend(made)
      return audited
    },
  })
  const requests = (): AuditingBackend['requests'] => audited?.requests ?? []
  let traffic: OutsideTraffic | undefined
  try {
    traffic = await startOutsideTraffic(broker as KafkaBackend, registry.url)
    const post = async (path: string, key: string, body: unknown): Promise<number> => {
      const answer = await fetch(new URL(path, platform.urls.api), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          // A configured registry makes the API require tokens: signed with the platform's local key.
          ...(await localBearer(config, ['commerce:write'])),
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
      requests().some((r) => r.type === 'topic' && r.name === topic && r.operation === 'Write') || undefined
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
    await platform.close({ timeoutMs: 30_000 })
    await registry.close()
    rmSync(stateDir, { recursive: true, force: true })
  }
  const kinds = new Set(requests().map((r) => `${r.operation} ${r.type}`))
  for (const kind of ['Read group', 'Read topic', 'Write topic', 'Write transactionalId', 'Create topic'])
    t.true(kinds.has(kind), `the run asked for ${kind}`)
  t.deepEqual(refused(await workloadAcls(platformWorkload), requests()), [])
})
