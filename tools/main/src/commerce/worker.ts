/**
 * One commerce role as a process of its own, for the crash test (and to run a role alone on a
 * prefixed platform): orders, inventory, payments or the payment gateway, exactly-once, until killed.
 * Says `RUNNING <role>` on stdout once it processes.
 */
import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createInventorySerdes, startInventory } from '@oxagry/inventory'
import { claimProcessId, createKafkaBackend, DEFAULT_KAFKA_CLIENT, type KafkaClientName } from '@oxagry/kafka'
import { createOrdersSerdes, startOrders, type OrdersTimeouts } from '@oxagry/orders'
import { createPaymentsSerdes, SimulatedProvider, startPaymentGateway, startPayments } from '@oxagry/payments'
import { exitOnError, shutdownOnSignals } from '@oxagry/streams'
import { pino } from 'pino'
import { commerceTopicNames, inventoryTopicsOf, ordersTopicsOf, paymentsTopicsOf } from './topics.ts'

export const COMMERCE_ROLES = ['orders', 'inventory', 'payments', 'gateway'] as const
export type CommerceRole = (typeof COMMERCE_ROLES)[number]

export interface WorkerSpec {
  readonly role: CommerceRole
  /** Topic names, application ids and groups are all under this prefix. */
  readonly prefix: string
  readonly brokers: readonly string[]
  readonly registryUrl: string
  readonly stateDir: string
  /** The simulated provider's ledger (gateway role). */
  readonly ledgerPath: string
  readonly seed: number
  readonly timeouts?: Partial<OrdersTimeouts>
  /** The runtime's commit interval; ms. Default 200. */
  readonly commitIntervalMs?: number
  /** The simulated provider's share of declined authorisations. Default its own (0.1). */
  readonly declineRate?: number
  /** The Kafka client every role runs on. Default kafkajs. */
  readonly kafkaClient?: KafkaClientName
  /**
   * When set, after `RUNNING` the worker prints `HEALTH <json>` (its readiness and state) on stdout this
   * often (ms): how the fault suite watches what a worker says about itself while its disk is full.
   */
  readonly reportHealthMs?: number
}

/** What a worker started with `reportHealthMs` prints after `HEALTH `. */
export interface WorkerHealthLine {
  readonly role: CommerceRole
  readonly ready: boolean
  readonly state: string
  readonly at: number
}

async function main(spec: WorkerSpec): Promise<void> {
  // On stderr: stdout carries the worker's RUNNING and HEALTH lines, and a supervisor reads why it died there.
  const logger = pino({ level: 'warn' }, pino.destination(2)).child({ role: spec.role })
  const names = commerceTopicNames((t) => `${spec.prefix}.${t.name}`)
  const backend = createKafkaBackend(spec.kafkaClient ?? DEFAULT_KAFKA_CLIENT, {
    brokers: [...spec.brokers],
    clientId: `${spec.prefix}-${spec.role}`,
    sessionTimeoutMs: 6000,
  })
  const registry = new ConfluentSchemaRegistry({ url: spec.registryUrl })
  const streams = {
    stateDir: join(spec.stateDir, spec.role),
    logger,
    commitIntervalMs: spec.commitIntervalMs ?? 200,
  }
  const id = `${spec.prefix}-${spec.role}`
  const running = (): void => void process.stdout.write(`RUNNING ${spec.role}\n`)
  switch (spec.role) {
    case 'orders': {
      const topics = ordersTopicsOf(names)
      const app = await startOrders({
        backend,
        serdes: await createOrdersSerdes(registry, topics, { autoRegister: true }),
        topics,
        timeouts: spec.timeouts ?? {},
        applicationId: id,
        streams,
      })
      shutdownOnSignals([app], { timeoutMs: 10_000 })
      exitOnError([app.streams], [app], { timeoutMs: 10_000, logger })
      return waitRunning(spec, () => app.streams.health(), running)
    }
    case 'inventory': {
      const topics = inventoryTopicsOf(names)
      const app = await startInventory({
        backend,
        serdes: await createInventorySerdes(registry, topics, { autoRegister: true }),
        topics,
        applicationId: id,
        streams,
      })
      shutdownOnSignals([app], { timeoutMs: 10_000 })
      exitOnError([app.streams], [app], { timeoutMs: 10_000, logger })
      return waitRunning(spec, () => app.streams.health(), running)
    }
    case 'payments': {
      const topics = paymentsTopicsOf(names)
      const app = await startPayments({
        backend,
        serdes: await createPaymentsSerdes(registry, topics, { autoRegister: true }),
        topics,
        applicationId: id,
        streams,
      })
      shutdownOnSignals([app], { timeoutMs: 10_000 })
      exitOnError([app.streams], [app], { timeoutMs: 10_000, logger })
      return waitRunning(spec, () => app.streams.health(), running)
    }
    case 'gateway': {
      const topics = paymentsTopicsOf(names)
      const provider = await SimulatedProvider.open({
        ledgerPath: spec.ledgerPath,
        seed: spec.seed,
        ...(spec.declineRate === undefined ? {} : { declineRate: spec.declineRate }),
      })
      const gateway = await startPaymentGateway({
        backend,
        provider,
        serdes: await createPaymentsSerdes(registry, topics, { autoRegister: true }),
        topics,
        groupId: id,
        instanceId: claimProcessId(join(spec.stateDir, id), logger),
        logger,
      })
      shutdownOnSignals([{ close: () => gateway.stop() }, provider], { timeoutMs: 10_000 })
      return waitRunning(spec, () => gateway.health(), running)
    }
  }
}

async function waitRunning(
  spec: WorkerSpec,
  health: () => { readonly ready: boolean; readonly state: string },
  report: () => void,
): Promise<void> {
  while (!health().ready) await new Promise((resolve) => setTimeout(resolve, 100))
  report()
  const every = spec.reportHealthMs
  if (every === undefined) return
  setInterval(() => {
    const { ready, state } = health()
    const line: WorkerHealthLine = { role: spec.role, ready, state, at: Date.now() }
    process.stdout.write(`HEALTH ${JSON.stringify(line)}\n`)
  }, every)
}

const arg = process.argv[2]
if (arg !== undefined && process.argv[1]?.endsWith('worker.ts')) {
  main(JSON.parse(arg) as WorkerSpec).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
