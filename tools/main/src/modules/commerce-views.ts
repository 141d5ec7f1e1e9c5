import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import {
  commerceTarget,
  decodeOrderEvents,
  decodeOrderStatus,
  decodePaymentEvents,
  decodeStockEvents,
  decodeStockLevels,
  reservationTarget,
  runSink,
  stockTarget,
  type CommerceStore,
  type ReservationStore,
  type SinkHandle,
  type SinkOptions,
  type StockStore,
} from '@oxagry/sink'
import { MongoReservationReadModel, MongoStockReadModel } from '@oxagry/sink-mongodb'
import {
  PostgresCommerceReadModel,
  PostgresReservationReadModel,
  PostgresStockReadModel,
  type SqlExecutor,
} from '@oxagry/sink-postgres'
import { MongoClient } from 'mongodb'
import { COMMERCE_VIEW_SINKS, type CommerceSinkSpec } from '../commerce/sinks.ts'
import { COMMERCE, commerceTopicNames } from '../commerce/topics.ts'
import { Closers, type DomainModule, type PlatformContext, type StartedModule } from '../module.ts'
import { sinkPart, type PlatformPart } from '../parts.ts'
import { openViewExecutors } from './view-executors.ts'

/** The topics the views read, and where what they cannot write goes. */
export interface CommerceViewTopics {
  readonly orderEvents: string
  readonly orderStatus: string
  readonly paymentEvents: string
  readonly stockLevels: string
  readonly stockEvents: string
  readonly ordersDeadLetters: string
  readonly paymentsDeadLetters: string
  readonly inventoryDeadLetters: string
}

export interface CommerceViewSinksOptions {
  readonly registry: SchemaRegistryClient
  readonly topics: CommerceViewTopics
  readonly orders: CommerceStore
  readonly stock: StockStore
  readonly reservations: ReservationStore
  /** A consumer group's name, e.g. `sink-stock`, under the platform's prefix. */
  readonly group: (name: string) => string
  /** Backend, logger, metrics and batch size, shared by every sink. */
  readonly sink: Pick<SinkOptions<never>, 'backend' | 'logger' | 'metricsRegistry' | 'batch'>
  /** Whether this process runs a sink's part; every sink when absent. */
  readonly runs?: (part: PlatformPart) => boolean
}

/**
 * The commerce views' four sinks: orders (OrderPlaced and statuses) and payments into the commerce
 * store, stock levels into the stock store, reservations (from the stock events) into the reservation
 * store. Each has its own consumer group and its domain's dead-letter
 * topic; the stores are migrated by the first sink that starts on them.
 */
export async function startCommerceViewSinks(
  options: CommerceViewSinksOptions,
): Promise<Record<string, SinkHandle>> {
  const { registry, topics } = options
  const deadLetterSerde = (topic: string) =>
    createAvroSerde({ registry, contract: Contracts.DeadLetter, autoRegister: true, topics: [topic] })
  const [
    orderEvents,
    orderStatus,
    paymentEvents,
    stockLevels,
    stockEvents,
    ordersDlq,
    paymentsDlq,
    inventoryDlq,
  ] = await Promise.all([
    createAvroSerde({ registry, contract: Contracts.OrderEvent }),
    createAvroSerde({ registry, contract: Contracts.OrderStatus }),
    createAvroSerde({ registry, contract: Contracts.PaymentEvent }),
    createAvroSerde({ registry, contract: Contracts.StockLevel }),
    createAvroSerde({ registry, contract: Contracts.StockEvent }),
    deadLetterSerde(topics.ordersDeadLetters),
    deadLetterSerde(topics.paymentsDeadLetters),
    deadLetterSerde(topics.inventoryDeadLetters),
  ])
  // Each sink's group, topics and dead-letter topic, from the one list deploy/ grants its ACLs from.
  const kafka = (spec: CommerceSinkSpec<keyof CommerceViewTopics>) => ({
    groupId: options.group(spec.group),
    topics: spec.topics.map((key) => topics[key]),
    deadLetterTopic: topics[spec.deadLetters],
  })
  const [ordersSink, paymentsSink, stockSink, reservationsSink] = [
    kafka(COMMERCE_VIEW_SINKS['postgres-orders']),
    kafka(COMMERCE_VIEW_SINKS['postgres-payments']),
    kafka(COMMERCE_VIEW_SINKS.stock),
    kafka(COMMERCE_VIEW_SINKS['stock-reservations']),
  ]
  const sinks: Record<string, SinkHandle> = {}
  const runs = (key: keyof typeof COMMERCE_VIEW_SINKS): boolean => options.runs?.(sinkPart(key)) ?? true
  try {
    // One decoder per topic: a record is decoded by its topic's contract.
    const decodeOrders = {
      [topics.orderEvents]: decodeOrderEvents(orderEvents),
      [topics.orderStatus]: decodeOrderStatus(orderStatus),
    }
    if (runs('postgres-orders'))
      sinks['postgres-orders'] = await runSink({
        ...options.sink,
        groupId: ordersSink.groupId,
        topics: ordersSink.topics,
        decode: (record) => {
          const decode = decodeOrders[record.topic]
          if (decode === undefined) throw new TypeError(`no decoder for topic ${record.topic}`)
          return decode(record)
        },
        target: commerceTarget('postgres:orders', options.orders),
        deadLetter: { topic: ordersSink.deadLetterTopic, serializer: ordersDlq },
      })
    if (runs('postgres-payments'))
      sinks['postgres-payments'] = await runSink({
        ...options.sink,
        groupId: paymentsSink.groupId,
        topics: paymentsSink.topics,
        decode: decodePaymentEvents(paymentEvents),
        target: commerceTarget('postgres:payments', options.orders),
        deadLetter: { topic: paymentsSink.deadLetterTopic, serializer: paymentsDlq },
      })
    if (runs('stock'))
      sinks.stock = await runSink({
        ...options.sink,
        groupId: stockSink.groupId,
        topics: stockSink.topics,
        decode: decodeStockLevels(stockLevels),
        target: stockTarget('stock:levels', options.stock),
        deadLetter: { topic: stockSink.deadLetterTopic, serializer: inventoryDlq },
      })
    if (runs('stock-reservations'))
      sinks['stock-reservations'] = await runSink({
        ...options.sink,
        groupId: reservationsSink.groupId,
        topics: reservationsSink.topics,
        decode: decodeStockEvents(stockEvents),
        target: reservationTarget('stock:reservations', options.reservations),
        deadLetter: { topic: reservationsSink.deadLetterTopic, serializer: inventoryDlq },
      })
  } catch (error) {
    await Promise.all(Object.values(sinks).map((s) => s.stop()))
    throw error
  }
  return sinks
}

interface ViewStores {
  readonly orders: CommerceStore
  readonly stock: StockStore
  readonly reservations: ReservationStore
}

/**
 * The stores: PostgreSQL when POSTGRES_URL is set (else PGlite), stock levels and reservations in
 * MongoDB when MONGODB_URL is. The sinks write through `writes`, the API reads through `reads`: on a
 * PostgreSQL server each over a pool of its own (see `openViewExecutors`).
 */
function openStores(
  context: PlatformContext,
  mongoDatabase: string,
  closers: Closers,
): { writes: ViewStores; reads: ViewStores } {
  const { config } = context
  const executors = openViewExecutors(config)
  closers.add(() => executors.close())
  context.describe('commerceViews', executors.description)
  const orders = (executor: SqlExecutor) => new PostgresCommerceReadModel({ executor })
  if (config.mongodbUrl === undefined) {
    context.describe('stockView', 'PostgreSQL, with the orders')
    const stores = (executor: SqlExecutor): ViewStores => ({
      orders: orders(executor),
      stock: new PostgresStockReadModel({ executor }),
      reservations: new PostgresReservationReadModel({ executor }),
    })
    return { writes: stores(executors.writes), reads: stores(executors.reads) }
  }
  const mongo = new MongoClient(config.mongodbUrl, { serverSelectionTimeoutMS: 10_000 })
  closers.add(() => mongo.close())
  context.describe('stockView', `MongoDB ${config.mongodbUrl}`)
  const db = mongo.db(mongoDatabase)
  // The MongoDB client pools its connections itself (up to 100).
  const stock = new MongoStockReadModel({ db })
  const reservations = new MongoReservationReadModel({ db })
  return {
    writes: { orders: orders(executors.writes), stock, reservations },
    reads: { orders: orders(executors.reads), stock, reservations },
  }
}

/**
 * The commerce read side's views: orders and payments (PostgreSQL, PGlite on embedded defaults) and
 * stock levels and reservations (MongoDB when configured), kept by sinks from the commerce topics, served to the
 * commerce API as the `commerce-views` routes.
 */
export function commerceViewsModule(options: { mongoDatabase: string }): DomainModule {
  return {
    name: 'commerce-views',
    topics: [
      COMMERCE.orderEvents,
      COMMERCE.orderStatus,
      COMMERCE.paymentEvents,
      COMMERCE.stockLevels,
      COMMERCE.stockEvents,
      COMMERCE.ordersDeadLetters,
      COMMERCE.paymentsDeadLetters,
      COMMERCE.inventoryDeadLetters,
    ],
    async start(context: PlatformContext): Promise<StartedModule> {
      const closers = new Closers(context.logger)
      const sinkParts = Object.keys(COMMERCE_VIEW_SINKS).map(sinkPart)
      if (!context.runs('api') && !sinkParts.some((part) => context.runs(part)))
        return { applications: {}, sinks: {}, routes: [], close: () => closers.closeAll() }
      try {
        const { writes, reads } = openStores(context, options.mongoDatabase, closers)
        const names = commerceTopicNames(context.topic)
        const sinks = await startCommerceViewSinks({
          registry: context.registry,
          topics: names,
          ...writes,
          group: context.group,
          sink: context.sinks,
          runs: context.runs,
        })
        closers.add(async () => void (await Promise.all(Object.values(sinks).map((s) => s.stop()))))
        if (!context.runs('api'))
          return { applications: {}, sinks, routes: [], close: () => closers.closeAll() }
        // The API may start before any sink has made the stores (each in its own process): it makes them
        // too. The migrations are idempotent and serialised (PostgreSQL's advisory lock).
        await Promise.all([reads.orders.migrate(), reads.stock.migrate(), reads.reservations.migrate()])
        return {
          applications: {},
          sinks,
          routes: [{ kind: 'commerce-views', ...reads }],
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}
