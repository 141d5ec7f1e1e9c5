import test from 'ava'
import { readTracingConfig } from './config.ts'
import { TRACING_ERROR_CODES, TracingError } from './errors.ts'

test('tracing is off without an endpoint, and when disabled', (t) => {
  t.like(readTracingConfig({}, 'orders'), { kind: 'off' })
  const endpoint = 'http://collector:4318'
  t.like(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }, 'orders'), {
    kind: 'off',
  })
  t.like(
    readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' }, 'orders'),
    {
      kind: 'off',
    },
  )
})

test('the traces endpoint is the base endpoint with /v1/traces, or the traces endpoint as it is', (t) => {
  t.deepEqual(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'orders'), {
    kind: 'otlp',
    endpoint: 'http://collector:4318/v1/traces',
    serviceName: 'orders',
  })
  t.deepEqual(
    readTracingConfig(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
        OTEL_SERVICE_NAME: 'orders-eu',
      },
      'orders',
    ),
    { kind: 'otlp', endpoint: 'https://traces.example/otlp', serviceName: 'orders-eu' },
  )
})

test('a bad variable is refused by name', (t) => {
  const notUrl = t.throws(() => readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'x'), {
    instanceOf: TracingError,
  })
  t.is(notUrl?.code, TRACING_ERROR_CODES.INVALID_CONFIG)
  t.is(notUrl?.setting, 'OTEL_EXPORTER_OTLP_ENDPOINT')
  const grpc = t.throws(
    () => readTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c:4317' }, 'x'),
    {
      instanceOf: TracingError,
    },
  )
  t.is(grpc?.setting, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  const exporter = t.throws(() => readTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'x'), {
    instanceOf: TracingError,
  })
  t.is(exporter?.setting, 'OTEL_TRACES_EXPORTER')
})
