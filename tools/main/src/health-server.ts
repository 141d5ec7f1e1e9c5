import type { AuthSettings } from '@oxagry/api-auth'
import {
  createApiServer,
  FLEET_SCOPES,
  healthPlugin,
  type AccessTable,
  type Readiness,
  type SecurityOptions,
} from '@oxagry/fleet-api'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** Probes for everyone, metrics for a token with the `ops` scope (as on the API's server). */
const ACCESS: AccessTable = [
  ['/metrics', { scopes: [FLEET_SCOPES.ops] }],
  ['/health/', { public: true }],
]

/**
 * The HTTP server of a process that runs no API (`PLATFORM_PARTS` without `api`): `/health/live`,
 * `/health/ready` and `/metrics` on the APIs' one server shape (limits, authentication, the error
 * shape), and nothing else: no documentation, no cross-origin callers.
 */
export async function buildHealthServer(options: {
  readonly readiness: Readiness
  readonly registry: Registry
  readonly auth: AuthSettings
  readonly security: SecurityOptions
}): Promise<FastifyInstance> {
  const { app, security } = await createApiServer({
    title: 'oxagry platform part',
    description: 'Health and metrics of a platform process that serves no API.',
    scopeNote: `Metrics need a bearer token (JWT) with the \`${FLEET_SCOPES.ops}\` scope.`,
    access: ACCESS,
    registry: options.registry,
    auth: options.auth,
    security: { ...options.security, allowedOrigins: [], exposeDocs: false },
    wsMaxPayload: 1024,
  })
  await app.register(healthPlugin, {
    readiness: options.readiness,
    registry: options.registry,
    exposeMetrics: security.exposeMetrics,
  })
  return app
}
