import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contracts, ConfluentSchemaRegistry, createAvroSerde, type OrderStatus } from '@oxagry/avro'
import {
  KafkaJsBackend,
  type BrokerRecord,
  type Following,
  type KafkaBackend,
  type KafkaClientName,
} from '@oxagry/kafka'
import {
  COMMERCE,
  COMMERCE_ROLES,
  COMMERCE_WORKER,
  commerceTopicNames,
  marketTopicsOf,
  type CommerceRole,
  type CommerceTopicNames,
  type WorkerSpec,
} from '@oxagry/main/commerce'
import { BAD_ORDER_KINDS, createMarket, createMarketSink, type MarketRecord } from '@oxagry/simulator'
import { benchKafka } from '../streams/kafka.ts'
import { cleanUpStack } from '../tracking/cleanup.ts'
import { followTopic } from './follow.ts'

export interface CommerceStack {
  readonly brokers: readonly string[]
  readonly registryUrl: string
}

/** When each record of a run reached the broker (LogAppendTime), by what it is about. */
export interface Arrivals {
  /** orderId → append time of the first OrderPlaced. */
  readonly placed: Map<string, number>
  /** orderId → the time the first decided status (CONFIRMED or CANCELLED) was readable, read_committed. */
  readonly decidedVisible: Map<string, number>
  /** orderId → append times per hop (see hops.ts). */
  readonly hops: Map<string, Partial<Record<HopPoint, number>>>
}

export const HOP_POINTS = [
  'placed',
  'reserveCommand',
  'inventoryAnswer',
  'authoriseCommand',
  'authorised',
  'paymentAnswer',
  'fraudAnswer',
  'decision',
] as const
export type HopPoint = (typeof HOP_POINTS)[number]

const NO_BAD_DATA = Object.fromEntries(BAD_ORDER_KINDS.map((k) => [k, 0]))

/**
 * One commerce platform for one run: its topics under a fresh prefix with broker append times, the four
 * roles as processes of their own (exactly-once), and followers recording when each order's records
 * reached the broker and when its decision became readable.
 */
export class CommerceRun {
  readonly prefix = `bench-commerce-${Date.now().toString(36)}`
  readonly names: CommerceTopicNames = commerceTopicNames((spec) => `${this.prefix}.${spec.name}`)
  readonly arrivals: Arrivals = { placed: new Map(), decidedVisible: new Map(), hops: new Map() }
  private readonly backend: KafkaBackend
  private readonly workers: ChildProcess[] = []

  /** The roles' process ids, running. */
  get rolePids(): number[] {
    return this.workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid]))
  }
  private readonly follows: Following[] = []

  /** @param profileDir each role's process writes a CPU profile there (`--cpu-prof`) when it exits */
  constructor(
    private readonly stack: CommerceStack,
    private readonly profileDir?: string,
  ) {
    this.backend = new KafkaJsBackend({ brokers: [...stack.brokers], clientId: this.prefix })
  }

  async start(options: { commitIntervalMs: number; kafkaClient: KafkaClientName }): Promise<void> {
    process.stderr.write(`  topics under ${this.prefix}\n`)
    const admin = await this.backend.admin()
    await admin.createTopics(
      (Object.keys(COMMERCE) as (keyof typeof COMMERCE)[]).map((k) => ({
        name: this.names[k],
        partitions: COMMERCE[k].partitions,
        config: { 'message.timestamp.type': 'LogAppendTime' },
      })),
    )
    await admin.close()
    const stateDir = mkdtempSync(join(tmpdir(), 'bench-commerce-'))
    const spec = (role: CommerceRole): WorkerSpec => ({
      role,
      prefix: this.prefix,
      brokers: this.stack.brokers,
      registryUrl: this.stack.registryUrl,
      stateDir,
      ledgerPath: join(stateDir, 'ledger.jsonl'),
      seed: 3,
      declineRate: 0,
      commitIntervalMs: options.commitIntervalMs,
      kafkaClient: options.kafkaClient,
    })
    await Promise.all(COMMERCE_ROLES.map((role) => this.startWorker(spec(role))))
    await this.followArrivals()
  }

  private startWorker(spec: WorkerSpec): Promise<void> {
    const profile =
      this.profileDir === undefined
        ? []
        : // One folder per role: a fixed --cpu-prof-name would let the module loader's thread, which
          // writes its own profile, overwrite the main thread's.
          ['--cpu-prof', `--cpu-prof-dir=${join(this.profileDir, `${spec.role}-${Date.now()}`)}`]
    const child = spawn(
      process.execPath,
      [...profile, '--import', 'tsx', COMMERCE_WORKER, JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        // As the image runs a service (deploy/Dockerfile): librdkafka's consumers need pool threads.
        env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' },
      },
    )
    this.workers.push(child)
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(`RUNNING ${spec.role}`)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`${spec.role} exited with ${code} before running`)))
    })
  }

  private async follow(topic: string, onRecord: (r: BrokerRecord) => Promise<void>): Promise<void> {
    this.follows.push(
      await followTopic(this.backend, topic, `${this.prefix}-follow`, async (records) => {
        for (const r of records) await onRecord(r)
      }),
    )
  }

  private async followArrivals(): Promise<void> {
    const registry = new ConfluentSchemaRegistry({ url: this.stack.registryUrl })
    const serde = {
      status: await createAvroSerde({ registry, contract: Contracts.OrderStatus }),
      event: await createAvroSerde({ registry, contract: Contracts.OrderEvent }),
      validation: await createAvroSerde({ registry, contract: Contracts.OrderValidation }),
      stock: await createAvroSerde({ registry, contract: Contracts.StockCommand }),
      payment: await createAvroSerde({ registry, contract: Contracts.PaymentCommand }),
      paymentEvent: await createAvroSerde({ registry, contract: Contracts.PaymentEvent }),
    }
    const mark = (orderId: string, point: HopPoint, at: number): void => {
      const hops = this.arrivals.hops.get(orderId) ?? {}
      if (hops[point] === undefined) hops[point] = at
      this.arrivals.hops.set(orderId, hops)
    }
    const { names } = this
    await this.follow(names.orderStatus, async (r) => {
      const s: OrderStatus = await serde.status.deserialize(names.orderStatus, r.value as Buffer, r.headers)
      if (
        (s.state === 'CONFIRMED' || s.state === 'CANCELLED') &&
        !this.arrivals.decidedVisible.has(s.orderId)
      )
        this.arrivals.decidedVisible.set(s.orderId, Date.now())
    })
    await this.follow(names.orderEvents, async (r) => {
      const e = await serde.event.deserialize(names.orderEvents, r.value as Buffer, r.headers)
      if ('dev.oxagry.orders.OrderPlaced' in e.payload) {
        if (!this.arrivals.placed.has(e.orderId)) this.arrivals.placed.set(e.orderId, r.timestamp)
        mark(e.orderId, 'placed', r.timestamp)
      } else if (!('dev.oxagry.orders.OrderCompleted' in e.payload)) mark(e.orderId, 'decision', r.timestamp)
    })
    await this.follow(names.orderValidations, async (r) => {
      const v = await serde.validation.deserialize(names.orderValidations, r.value as Buffer, r.headers)
      const point =
        v.check === 'INVENTORY' ? 'inventoryAnswer' : v.check === 'FRAUD' ? 'fraudAnswer' : 'paymentAnswer'
      mark(v.orderId, point, r.timestamp)
    })
    await this.follow(names.stockCommands, async (r) => {
      const c = await serde.stock.deserialize(names.stockCommands, r.value as Buffer, r.headers)
      const reserve = c.payload['dev.oxagry.inventory.ReserveStock' as never] as
        { orderId: string } | undefined
      if (reserve !== undefined) mark(reserve.orderId, 'reserveCommand', r.timestamp)
    })
    await this.follow(names.paymentCommands, async (r) => {
      const c = await serde.payment.deserialize(names.paymentCommands, r.value as Buffer, r.headers)
      if ('dev.oxagry.payments.AuthorisePayment' in c.payload)
        mark(c.orderId, 'authoriseCommand', r.timestamp)
    })
    await this.follow(names.paymentEvents, async (r) => {
      const e = await serde.paymentEvent.deserialize(names.paymentEvents, r.value as Buffer, r.headers)
      if (
        'dev.oxagry.payments.PaymentAuthorised' in e.payload ||
        'dev.oxagry.payments.PaymentFailed' in e.payload
      )
        mark(e.orderId, 'authorised', r.timestamp)
    })
  }

  /** A market placing `lines`-line checkouts with plenty of stock, no bad data, no cancellations. */
  async market(options: { ordersPerSecond: number; lines: number }) {
    const registry = new ConfluentSchemaRegistry({ url: this.stack.registryUrl })
    const sink = await createMarketSink({
      backend: this.backend,
      registry,
      topics: marketTopicsOf(this.names),
      autoRegister: true,
    })
    const market = createMarket({
      seed: 9,
      customers: 5000,
      ordersPerSecond: options.ordersPerSecond,
      linesPerOrder: options.lines,
      badData: NO_BAD_DATA,
      retryRate: 0,
      cancelRate: 0,
      deliverAfterMs: 3_600_000,
      receiptUnits: 10_000_000,
      restockEveryMs: 3_600_000,
    })
    return { sink, market }
  }

  /** Waits until `orders` decisions are readable, or the time-out; returns how many were. */
  async waitDecided(orders: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs
    let report = Date.now() + 10_000
    while (this.arrivals.decidedVisible.size < orders && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      if (Date.now() > report) {
        report += 10_000
        const reached: Record<string, number> = {}
        for (const points of this.arrivals.hops.values())
          for (const point of Object.keys(points)) reached[point] = (reached[point] ?? 0) + 1
        process.stderr.write(
          `  ${this.arrivals.decidedVisible.size}/${orders} decided; reached ${JSON.stringify(reached)}\n`,
        )
      }
    }
    return this.arrivals.decidedVisible.size
  }

  /**
   * Stops the roles and the followers, then removes what the run left on the stack (its topics, the
   * runtime's internal topics, groups, subjects): each run makes several hundred partitions, and a
   * broker keeping them spends CPU on them for good (25 % of a core with 9,000 left), which every later
   * run would pay.
   */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve()
            w.once('exit', () => resolve())
            w.kill('SIGTERM')
          }),
      ),
    )
    await Promise.all(this.follows.map((f) => f.stop().catch(() => {})))
    await this.backend.close()
    const admin = benchKafka(this.stack.brokers).admin()
    try {
      await admin.connect()
      const services = { ...this.stack, mongodbUrl: '' }
      for (const problem of await cleanUpStack(admin, services, this.prefix, { groupWaitMs: 30_000 }))
        process.stderr.write(`  cleanup: ${problem}\n`)
    } catch (error) {
      process.stderr.write(`  cleanup: ${String(error)}\n`)
    } finally {
      await admin.disconnect()
    }
  }
}

/** Checkouts only: what the market made, without the follow-ups it schedules. */
export function checkouts(records: readonly MarketRecord[]): MarketRecord[] {
  return records.filter((r) => r.kind === 'order')
}
