import { COMMERCE_SCOPES, customerScope } from '@oxagry/api-auth'
import type { FastifyInstance } from 'fastify'
import { IdempotencyDigests } from './idempotency.ts'
import { OrderHub } from './live/hub.ts'
import { registerCommerceMetrics } from './metrics.ts'
import {
  resolveCommerceNumbers,
  resolveWebhooks,
  type CommercePluginOptions,
  type CommerceRouteOptions,
} from './options.ts'
import { bookingsRoutes } from './routes/bookings.ts'
import { inventoryRoutes } from './routes/inventory.ts'
import { notificationsRoutes } from './routes/notifications.ts'
import { ordersRoutes } from './routes/orders.ts'
import { paymentWebhookRoutes } from './routes/payment-webhooks.ts'
import { paymentsRoutes } from './routes/payments.ts'
import { reservationsRoutes } from './routes/reservations.ts'
import { DecisionHints } from './wait.ts'

/** Where the commerce API's REST routes and live feed are served. */
export const COMMERCE_PATHS = { rest: '/api/v1', live: '/ws/orders' } as const

/**
 * The commerce API as a Fastify plugin, for a server made by `createApiServer` (`@oxagry/api-http`):
 * the platform registers it on its one HTTP server next to the fleet API, `buildCommerceApp` on a
 * server of its own. Each route names its scopes; the host's error handler gives the one error shape.
 */
export async function commerceApi(app: FastifyInstance, options: CommercePluginOptions): Promise<void> {
  const numbers = resolveCommerceNumbers(options)
  const webhooks = resolveWebhooks(options.webhooks)
  const hints = new DecisionHints(options.feed)
  app.addHook('onClose', async () => hints.close())
  const routes: CommerceRouteOptions = {
    orders: options.orders,
    stock: options.stock,
    reservations: options.reservations,
    writer: options.writer,
    digests: new IdempotencyDigests(numbers.idempotencyKeys),
    maxWaitMs: numbers.maxWaitMs,
    pollMs: numbers.pollMs,
    idlePollMs: numbers.idlePollMs,
    hints,
    now: options.now ?? Date.now,
    prefix: COMMERCE_PATHS.rest,
  }
  await app.register(ordersRoutes, { ...routes, prefix: COMMERCE_PATHS.rest })
  await app.register(paymentsRoutes, { ...routes, prefix: COMMERCE_PATHS.rest })
  await app.register(inventoryRoutes, { ...routes, prefix: COMMERCE_PATHS.rest })
  await app.register(reservationsRoutes, { ...routes, prefix: COMMERCE_PATHS.rest })
  // Served only with a bookings view: a platform without the bookings domain has no such routes.
  if (options.bookings !== undefined)
    await app.register(bookingsRoutes, { ...routes, bookings: options.bookings, prefix: COMMERCE_PATHS.rest })
  // Served only with a provider's secret configured: an unsigned endpoint is never left open.
  if (webhooks !== undefined)
    await app.register(paymentWebhookRoutes, { ...routes, webhooks, prefix: COMMERCE_PATHS.rest })
  if (options.notifications !== undefined) {
    await app.register(notificationsRoutes, {
      notifications: options.notifications,
      prefix: COMMERCE_PATHS.rest,
    })
  }
  const hub = new OrderHub(options.feed, options.orders, numbers.live)
  if (options.metrics !== undefined) registerCommerceMetrics(options.metrics, hub)
  app.get(
    COMMERCE_PATHS.live,
    { websocket: true, config: { scopes: [COMMERCE_SCOPES.read] }, schema: { hide: true } },
    (socket, request) => hub.attach(socket, customerScope(request)),
  )
  app.addHook('onClose', async () => hub.close())
}
