import {
  commerceApi,
  type BookingReadModel,
  createCommerceWriter,
  createOrderStatusDecoder,
  OrderStatusBroadcast,
} from '@oxagry/commerce-api'
import type { SchemaRegistryClient } from '@oxagry/avro'
import type { NotificationReadModel } from '@oxagry/sink'
import { TOPICS } from '@oxagry/topics'
import type { FastifyInstance } from 'fastify'
import type { PaymentsConfig } from './config.ts'
import type { ModuleRoutes, PlatformContext } from './module.ts'
import { API_WRITES } from './parts.ts'

/** The provider name the simulated provider's webhook is served under. */
export const SIMULATED_PROVIDER = 'simulated'

/**
 * Serves the commerce API on the platform's one HTTP server, when a module serves the commerce views:
 * a writer on the platform's topics, the live feed following `orders.order-status.v1`, and the bookings
 * and customers' notifications when their modules serve those views. Returns what stops them, after the
 * server closed.
 */
export async function mountCommerceApi(
  app: FastifyInstance,
  context: Pick<PlatformContext, 'backend' | 'topic' | 'follow' | 'metrics'> & {
    readonly registry: SchemaRegistryClient
  },
  views: Extract<ModuleRoutes, { kind: 'commerce-views' }>,
  payments?: PaymentsConfig,
  /** The other views the commerce API serves, when their modules run. */
  served: { readonly bookings?: BookingReadModel; readonly notifications?: NotificationReadModel } = {},
): Promise<() => Promise<void>> {
  const feed = new OrderStatusBroadcast()
  const decode = await createOrderStatusDecoder(context.registry)
  const statusTopic = context.topic(TOPICS.orderStatus)
  const following = await context.follow(statusTopic, async (bytes) =>
    feed.publish(await decode(statusTopic, bytes)),
  )
  const writer = await createCommerceWriter({
    backend: context.backend,
    registry: context.registry,
    // As the platform's applications do: the embedded registry starts empty, a real one is kept current.
    autoRegister: true,
    // The one list deploy/ grants the API's writes from.
    topics: {
      orderEvents: context.topic(API_WRITES.orderEvents),
      orderCommands: context.topic(API_WRITES.orderCommands),
      stockCommands: context.topic(API_WRITES.stockCommands),
      providerNotifications: context.topic(API_WRITES.providerNotifications),
      bookingCommands: context.topic(API_WRITES.bookingCommands),
    },
  })
  await app.register(commerceApi, {
    orders: views.orders,
    stock: views.stock,
    reservations: views.reservations,
    writer,
    feed,
    metrics: context.metrics,
    ...(served.bookings === undefined ? {} : { bookings: served.bookings }),
    ...(served.notifications === undefined ? {} : { notifications: served.notifications }),
    ...(payments?.webhookSecret === undefined
      ? {}
      : { webhooks: { secrets: { [SIMULATED_PROVIDER]: [payments.webhookSecret] } } }),
  })
  return async () => {
    await following.stop()
    await writer.close()
  }
}
