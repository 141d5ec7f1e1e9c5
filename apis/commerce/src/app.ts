import type { AuthSettings } from '@oxagry/api-auth'
import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import {
  createApiServer,
  healthPlugin,
  type AccessTable,
  type HttpLimits,
  type Readiness,
  type SecurityOptions,
} from '@oxagry/api-http'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Registry } from 'prom-client'
import { MAX_CLIENT_MESSAGE_BYTES } from './live/messages.ts'
import type { CommercePluginOptions } from './options.ts'
import { commerceApi } from './plugin.ts'

/** Routes that name no scopes of their own; the commerce routes each name theirs. */
const ACCESS: AccessTable = [
  ['/api/v1/', { scopes: [COMMERCE_SCOPES.read] }],
  ['/ws/', { scopes: [COMMERCE_SCOPES.read] }],
  ['/metrics', { scopes: ['ops'] }],
  ['/health/', { public: true }],
  ['/docs', { public: true }],
]

export interface CommerceAppOptions extends CommercePluginOptions {
  readonly readiness?: Readiness
  readonly registry?: Registry
  readonly logger?: FastifyServerOptions['logger']
  readonly http?: Partial<HttpLimits>
  /** Without it authentication is off and the API answers loopback clients only. */
  readonly auth?: AuthSettings
  readonly security?: Partial<SecurityOptions>
}

/**
 * The commerce API on a server of its own, not listening: REST under /api/v1, the live feed at
 * /ws/orders, OpenAPI at /docs, health and metrics. For standalone use and tests; the platform registers
 * `commerceApi` on its one server instead.
 */
export async function buildCommerceApp(options: CommerceAppOptions): Promise<FastifyInstance> {
  const { app, registry, security } = await createApiServer({
    title: 'oxagry commerce API',
    description:
      'Orders, payments and stock, read from the commerce views; every write is an event or command in ' +
      'the event log, answered 202 once the broker acknowledged it.',
    scopeNote:
      `Reads need the \`${COMMERCE_SCOPES.read}\` scope, placing and cancelling orders ` +
      `\`${COMMERCE_SCOPES.write}\`, refunds and stock adjustments \`${COMMERCE_SCOPES.operator}\`. ` +
      'A token with the customer claim reads and writes that customer’s orders only.',
    access: ACCESS,
    wsMaxPayload: 2 * MAX_CLIENT_MESSAGE_BYTES,
    corsMethods: ['POST'],
    corsHeaders: ['content-type', 'idempotency-key'],
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.http === undefined ? {} : { http: options.http }),
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...(options.security === undefined ? {} : { security: options.security }),
  })
  await app.register(commerceApi, { ...options, metrics: registry })
  await app.register(healthPlugin, {
    readiness: options.readiness ?? { notReady: async () => undefined },
    registry,
    exposeMetrics: security.exposeMetrics,
  })
  return app
}
