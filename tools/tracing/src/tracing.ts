import { context, propagation, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { readTracingConfig } from './config.ts'

/** The SDK this process registered: spans go to the exporter until `close()` flushes and stops it. */
export interface Tracing {
  /** Where spans go: the OTLP endpoint, or `custom` for an exporter handed in (tests). */
  readonly exportingTo: string
  /**
   * Exports what is pending, stops the SDK and unregisters it. Tracers got from the API while it ran
   * stay with it (the libraries get theirs once), so a process starts one SDK and closes it on exit.
   */
  close(): Promise<void>
}

export interface StartTracingOptions {
  /** `service.name` of this process's spans, unless `OTEL_SERVICE_NAME` is set. */
  readonly serviceName: string
  /** The environment to read; the process's by default. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * Spans go here instead, each as it ends, whatever the environment says: tests hand in an
   * `InMemorySpanExporter`.
   */
  readonly exporter?: SpanExporter
  /**
   * How spans reach the exporter handed in: `each` as it ends (tests read them at once), or `batched`
   * as the OTLP exporter gets them (benches). OTLP is always batched.
   */
  readonly delivery?: 'each' | 'batched'
}

function register(serviceName: string, processor: SpanProcessor, exportingTo: string): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  })
  // The AsyncLocalStorage context manager and the W3C trace-context and baggage propagators.
  provider.register()
  let closing: Promise<void> | undefined
  return {
    exportingTo,
    close() {
      closing ??= provider.shutdown().finally(() => {
        trace.disable()
        propagation.disable()
        context.disable()
      })
      return closing
    },
  }
}

/**
 * Starts the OpenTelemetry SDK in a process entry point when the environment asks for it (see
 * `readTracingConfig`), or with the exporter handed in; otherwise registers nothing and returns
 * undefined, so the libraries' spans stay the API's no-ops. Libraries never call this: they depend on
 * `@opentelemetry/api` only. A bad variable throws a `TracingError` naming it.
 */
export function startTracing(options: StartTracingOptions): Tracing | undefined {
  if (options.exporter !== undefined) {
    const processor =
      options.delivery === 'batched'
        ? new BatchSpanProcessor(options.exporter)
        : new SimpleSpanProcessor(options.exporter)
    return register(options.serviceName, processor, 'custom')
  }
  const config = readTracingConfig(options.env ?? process.env, options.serviceName)
  if (config.kind === 'off') return undefined
  const exporter = new OTLPTraceExporter({ url: config.endpoint })
  return register(config.serviceName, new BatchSpanProcessor(exporter), config.endpoint)
}

/** What a process closes on shutdown (the streams library's `Closeable`, structurally). */
export interface Closing {
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * The process's parts, closed together, then the SDK, so the spans of their last records are exported
 * too: one closeable for `shutdownOnSignals`. A part that fails to close still fails the whole.
 */
export function closeTracingLast(parts: readonly Closing[], tracing: Tracing | undefined): Closing {
  return {
    async close(options) {
      const results = await Promise.allSettled(parts.map((part) => part.close(options)))
      await tracing?.close()
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
      if (failures.length > 0)
        throw new AggregateError(failures, `${failures.length} part(s) failed to close`)
    },
  }
}
