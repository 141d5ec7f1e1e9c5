import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as contexts,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify'
import { HEALTH_ROUTES } from './health.ts'

const tracer = trace.getTracer('@oxagry/api-http')
const UNTRACED: ReadonlySet<string> = new Set(HEALTH_ROUTES)

interface RequestSpan {
  readonly span: Span
  readonly context: Context
}

/**
 * A server span per request, `<METHOD> <route pattern>`, a child of the caller's W3C `traceparent`
 * header when it sends one. Route handlers run in the span's context, so what they produce (a record
 * through `injectTraceContext`) carries it. Live-feed upgrades get none (a socket's life is no request), nor do the probes and the scrape.
 * With no OpenTelemetry SDK registered the spans are the API's no-ops.
 */
export function registerHttpTracing(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, RequestSpan>()
  const end = (request: FastifyRequest, statusCode: number | undefined): void => {
    const traced = spans.get(request)
    if (traced === undefined) return
    spans.delete(request)
    if (statusCode !== undefined) {
      traced.span.setAttribute('http.response.status_code', statusCode)
      if (statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR })
    } else traced.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' })
    traced.span.end()
  }
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url
    if (request.ws || (route !== undefined && UNTRACED.has(route))) return
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      { kind: SpanKind.SERVER },
      parent,
    )
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': request.method,
        'url.path': request.url.split('?')[0] ?? '',
        ...(route === undefined ? {} : { 'http.route': route }),
      })
    }
    spans.set(request, { span, context: trace.setSpan(parent, span) })
  })
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod
    route.handler = function traced(this: FastifyInstance, request, reply) {
      const span = spans.get(request)
      return span === undefined
        ? handler.call(this, request, reply)
        : contexts.with(span.context, handler, this, request, reply)
    }
  })
  app.addHook('onError', async (request, _reply, error) => {
    const traced = spans.get(request)
    if (traced?.span.isRecording()) traced.span.recordException(error)
  })
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode))
  app.addHook('onRequestAbort', async (request) => end(request, undefined))
}
