import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'

/** The API's request metrics: rate, latency and status per route (the APIs dashboard and alerts read them). */
export const HTTP_METRICS = {
  requests: 'oxagry_api_http_requests_total',
  duration: 'oxagry_api_http_request_duration_seconds',
} as const

/**
 * Counts every response and observes its duration, labelled by method, route pattern (not the URL, so
 * machine ids do not make series) and status code; a request no route matched is `route="unmatched"`.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status_code'] as const
  const requests = new Counter({
    name: HTTP_METRICS.requests,
    help: 'HTTP responses sent, by method, route and status code',
    labelNames,
    registers: [registry],
  })
  const duration = new Histogram({
    name: HTTP_METRICS.duration,
    help: 'Time from a request received to its response sent, by method, route and status code',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
  })
}
