import type {} from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** The probes' and the scrape's routes: asked every few seconds, nobody's request, so never traced. */
export const HEALTH_ROUTES = ['/health/live', '/health/ready', '/metrics'] as const

export interface Readiness {
  /** Why the service is not ready yet (e.g. a store still restoring), or undefined when ready. */
  notReady(): Promise<string | undefined>
}

/** Liveness, readiness (with the reason when not ready) and, when exposed, Prometheus metrics. */
export async function healthPlugin(
  app: FastifyInstance,
  options: { readiness: Readiness; registry: Registry; exposeMetrics: boolean },
): Promise<void> {
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'live' }))
  app.get('/health/ready', { schema: { hide: true } }, async (_req, reply) => {
    const reason = await options.readiness.notReady()
    if (reason !== undefined) return reply.status(503).send({ status: 'not-ready', reason })
    return { status: 'ready' }
  })
  if (!options.exposeMetrics) return
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', options.registry.contentType)
    return options.registry.metrics()
  })
}
