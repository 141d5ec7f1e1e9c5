import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { trace } from '@opentelemetry/api'
import test from 'ava'
import { closeTracingLast, startTracing } from './tracing.ts'

test.serial('nothing is registered without an endpoint: spans are the API no-op', (t) => {
  t.is(startTracing({ serviceName: 'orders', env: {} }), undefined)
  const span = trace.getTracer('test').startSpan('nothing')
  t.false(span.isRecording())
  span.end()
})

test.serial('with an endpoint, spans are exported by OTLP over HTTP when the SDK closes', async (t) => {
  const requests: { url: string | undefined; body: string }[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({ url: request.url, body: Buffer.concat(chunks).toString('utf8') })
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const tracing = startTracing({
    serviceName: 'orders',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
  })
  t.is(tracing?.exportingTo, `http://127.0.0.1:${port}/v1/traces`)
  const span = trace.getTracer('test').startSpan('orders process orders.order-events.v1')
  t.true(span.isRecording())
  span.end()
  await tracing?.close()
  t.is(requests.length, 1)
  t.is(requests[0]?.url, '/v1/traces')
  t.true(requests[0]?.body.includes('orders process orders.order-events.v1'))
  t.true(requests[0]?.body.includes('"orders"'))
  // Closed: the API is the no-op again.
  t.false(trace.getTracer('test').startSpan('after').isRecording())
})

test.serial('closeTracingLast closes the parts, then the SDK, and fails when a part did', async (t) => {
  const order: string[] = []
  const tracing = { exportingTo: 'custom', close: async () => void order.push('tracing') }
  const part = (name: string, fail = false) => ({
    close: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      order.push(name)
      if (fail) throw new Error(`${name} refused`)
    },
  })
  await closeTracingLast([part('streams'), part('http')], tracing).close()
  t.deepEqual(order, ['streams', 'http', 'tracing'])
  order.length = 0
  await t.throwsAsync(closeTracingLast([part('streams', true)], tracing).close(), {
    instanceOf: AggregateError,
  })
  t.deepEqual(order, ['streams', 'tracing'])
  await t.notThrowsAsync(closeTracingLast([part('alone')], undefined).close())
})
