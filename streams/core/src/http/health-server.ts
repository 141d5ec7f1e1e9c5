import Fastify, { type FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
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

/** One part of a process with several (a stream application, a worker): its health and its metrics. */
export interface HealthPart {
  health(): { readonly live: boolean; readonly ready: boolean }
  readonly metrics: { readonly registry: Registry }
}

/**
 * `buildHealthServer` for a process running several parts (an application and its worker, or either
 * alone): live and ready when every part present is, each part's health under its name, and the
 * metrics of every distinct registry merged.
 */
export function buildPartsHealthServer(
  parts: Readonly<Record<string, HealthPart | undefined>>,
): FastifyInstance {
  const present = Object.entries(parts).filter((e): e is [string, HealthPart] => e[1] !== undefined)
  const healthOf = () => {
    const each = Object.fromEntries(present.map(([name, part]) => [name, part.health()]))
    const all = Object.values(each)
    return {
      live: all.length > 0 && all.every((h) => h.live),
      ready: all.length > 0 && all.every((h) => h.ready),
      parts: each,
    }
  }
  const app = Fastify({ logger: false })
  app.get('/health/live', async (_req, reply) => {
    const health = healthOf()
    return reply.code(health.live ? 200 : 503).send(health)
  })
  app.get('/health/ready', async (_req, reply) => {
    const health = healthOf()
    return reply.code(health.ready ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_req, reply) => {
    const registries = [...new Set(present.map(([, part]) => part.metrics.registry))]
    const registry = registries.length === 1 ? (registries[0] as Registry) : Registry.merge(registries)
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
