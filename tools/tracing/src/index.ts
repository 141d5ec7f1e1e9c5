export * from './errors.ts'
export * from './config.ts'
export * from './tracing.ts'
// What tests need to read the spans a process made.
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
