import Fastify, { type FastifyInstance } from 'fastify'
import type { KafkaStreams } from '../runtime/kafka-streams.ts'

/**
 * A stream application's own HTTP surface when it runs as a service: liveness, readiness (stores
 * restored, running) and its metrics in Prometheus' text format. Kubernetes probes and the
 * ServiceMonitor use these paths.
 */
export function buildHealthServer(streams: Pick<KafkaStreams, 'health' | 'metrics'>): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/health/live', async (_req, reply) => {
    const health = streams.health()
    return reply.code(health.live ? 200 : 503).send(health)
  })
  app.get('/health/ready', async (_req, reply) => {
    const health = streams.health()
    return reply.code(health.ready ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_req, reply) => {
    const registry = streams.metrics.registry
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
