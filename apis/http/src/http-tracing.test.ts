import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, startTracing } from '@oxagry/tracing'
import test from 'ava'
import { Registry } from 'prom-client'
import { healthPlugin } from './health.ts'
import { createApiServer } from './server.ts'

const exporter = new InMemorySpanExporter()
const tracing = startTracing({ serviceName: 'test', exporter })
test.after.always(() => tracing?.close())

/** A server whose POST route writes the active context's trace headers, as the commerce writer does. */
async function server(t: { teardown(fn: () => Promise<void>): void }) {
  const { app } = await createApiServer({
    title: 'test',
    description: 'a test API',
    scopeNote: '',
    access: [['/', { public: true }]],
    wsMaxPayload: 1024,
  })
  app.post(
    '/things/:n',
    { schema: { body: { type: 'object', properties: { fail: { type: 'boolean' } } } } },
    async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if ((request.body as { fail?: boolean }).fail === true) throw new Error('broken')
      const headers: Record<string, string> = {}
      propagation.inject(context.active(), headers)
      return { traceparent: headers.traceparent ?? null }
    },
  )
  await app.register(healthPlugin, {
    readiness: { notReady: async () => undefined },
    registry: new Registry(),
    exposeMetrics: true,
  })
  t.teardown(() => app.close())
  return app
}

test.serial(
  'a server span per request: the handler runs in it, so what it produces carries it',
  async (t) => {
    exporter.reset()
    const app = await server(t)
    const response = await app.inject({ method: 'POST', url: '/things/7?x=1', payload: {} })
    t.is(response.statusCode, 200)
    const [span] = exporter.getFinishedSpans()
    if (span === undefined) return t.fail('no span')
    t.is(span.name, 'POST /things/:n')
    t.is(span.kind, SpanKind.SERVER)
    t.is(span.parentSpanContext, undefined)
    t.like(span.attributes, {
      'http.request.method': 'POST',
      'http.route': '/things/:n',
      'url.path': '/things/7',
      'http.response.status_code': 200,
    })
    const { spanId, traceId } = span.spanContext()
    t.is(response.json<{ traceparent: string }>().traceparent, `00-${traceId}-${spanId}-01`)
  },
)

test.serial(
  'a caller’s traceparent is the span’s parent; a 500 marks it failed; a 404 has one too',
  async (t) => {
    exporter.reset()
    const app = await server(t)
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
    await app.inject({
      method: 'POST',
      url: '/things/1',
      headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      payload: { fail: true },
    })
    await app.inject({ method: 'GET', url: '/nowhere' })
    const [failed, missing] = exporter.getFinishedSpans()
    t.is(failed?.spanContext().traceId, callerTrace)
    t.is(failed?.parentSpanContext?.spanId, '00f067aa0ba902b7')
    t.is(failed?.status.code, SpanStatusCode.ERROR)
    t.is(failed?.attributes['http.response.status_code'], 500)
    t.is(failed?.events[0]?.name, 'exception')
    t.is(missing?.name, 'GET')
    t.is(missing?.attributes['http.response.status_code'], 404)
    t.is(trace.getActiveSpan(), undefined, 'nothing leaks into the test’s own context')
  },
)

test.serial('the probes and the metrics scrape are not traced', async (t) => {
  exporter.reset()
  const app = await server(t)
  for (const url of ['/health/live', '/health/ready', '/metrics'])
    t.is((await app.inject({ method: 'GET', url })).statusCode, 200, url)
  t.deepEqual(exporter.getFinishedSpans(), [])
})
