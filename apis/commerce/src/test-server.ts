import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import {
  Contracts,
  createAvroSerde,
  InMemorySchemaRegistry,
  type BookingCommand,
  type OrderCommand,
  type OrderEvent,
  type ProviderNotification,
  type StockCommand,
} from '@oxagry/avro'
import { MemoryBackend, MemoryBroker, readTopic, type KafkaBackend, type Serde } from '@oxagry/kafka'
import type { FastifyInstance } from 'fastify'
import { buildCommerceApp, type CommerceAppOptions } from './app.ts'
import { BookingsView } from './bookings/view.ts'
import { OrderStatusBroadcast } from './live/feed.ts'
import type { CommercePluginOptions } from './options.ts'
import { commerceTestAuth, InMemoryCommerceViews } from './testing.ts'
import { createCommerceWriter, DEFAULT_COMMERCE_TOPICS } from './writer.ts'

/**
 * A commerce API for tests: the memory broker behind the writer, the in-memory views, a broadcast feed,
 * authentication on with a fresh key, and readers of what the API wrote.
 */
export async function testServer(
  t: { teardown(fn: () => Promise<void> | void): void },
  options: {
    backend?: (backend: KafkaBackend) => KafkaBackend
    plugin?: Partial<
      Pick<
        CommercePluginOptions,
        'idempotencyKeys' | 'maxWaitMs' | 'pollMs' | 'live' | 'webhooks' | 'notifications'
      >
    >
    security?: CommerceAppOptions['security']
  } = {},
) {
  const broker = new MemoryBroker()
  for (const name of Object.values(DEFAULT_COMMERCE_TOPICS))
    broker.createTopic({ name, partitions: 3, config: {} })
  const memory = new MemoryBackend(broker)
  const backend = options.backend?.(memory) ?? memory
  const registry = new InMemorySchemaRegistry()
  const writer = await createCommerceWriter({ backend, registry, autoRegister: true, ackTimeoutMs: 2_000 })
  const views = new InMemoryCommerceViews()
  const feed = new OrderStatusBroadcast()
  const bookings = new BookingsView()
  const auth = await commerceTestAuth()
  const app: FastifyInstance = await buildCommerceApp({
    orders: views,
    stock: views,
    reservations: views,
    bookings,
    writer,
    feed,
    auth: auth.settings,
    ...(options.security === undefined ? {} : { security: options.security }),
    now: () => 1_700_000_500_000,
    ...options.plugin,
    live: { flushIntervalMs: 20, heartbeatIntervalMs: 60_000, ...options.plugin?.live },
  })
  t.teardown(async () => {
    await app.close()
    await writer.close()
  })
  const serdes = {
    event: await createAvroSerde({ registry, contract: Contracts.OrderEvent }),
    command: await createAvroSerde({ registry, contract: Contracts.OrderCommand }),
    stock: await createAvroSerde({ registry, contract: Contracts.StockCommand }),
    notification: await createAvroSerde({ registry, contract: Contracts.ProviderNotification }),
    booking: await createAvroSerde({ registry, contract: Contracts.BookingCommand }),
  }
  async function written<T>(topic: string, serde: Pick<Serde<T>, 'deserialize'>) {
    const records = await readTopic(memory, topic)
    return Promise.all(
      records.map(async (r) => ({
        key: r.key?.toString() ?? null,
        value: await serde.deserialize(topic, r.value as Buffer, {}),
      })),
    )
  }
  const tokens = {
    staff: await auth.token([COMMERCE_SCOPES.read, COMMERCE_SCOPES.write]),
    operator: await auth.token([COMMERCE_SCOPES.read, COMMERCE_SCOPES.operator]),
    reader: await auth.token([COMMERCE_SCOPES.read]),
    ops: await auth.token(['ops']),
    every: await auth.token([...Object.values(COMMERCE_SCOPES), 'ops']),
    customer: (id: string) => auth.token([COMMERCE_SCOPES.read, COMMERCE_SCOPES.write], { customerId: id }),
  }
  return {
    app,
    views,
    bookings,
    feed,
    tokens,
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
    orderEvents: () => written<OrderEvent>(DEFAULT_COMMERCE_TOPICS.orderEvents, serdes.event),
    orderCommands: () => written<OrderCommand>(DEFAULT_COMMERCE_TOPICS.orderCommands, serdes.command),
    stockCommands: () => written<StockCommand>(DEFAULT_COMMERCE_TOPICS.stockCommands, serdes.stock),
    providerNotifications: () =>
      written<ProviderNotification>(DEFAULT_COMMERCE_TOPICS.providerNotifications, serdes.notification),
    bookingCommands: () =>
      written<BookingCommand>(DEFAULT_COMMERCE_TOPICS.bookingCommands as string, serdes.booking),
  }
}

export const CHECKOUT = {
  customerId: 'farm-0001',
  items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 2, unitPriceMinor: 3150 }],
  currency: 'EUR',
  deliveryLocation: { latitude: 52.1, longitude: 9.7 },
}
