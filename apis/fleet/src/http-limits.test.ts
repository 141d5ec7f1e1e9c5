import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import test from 'ava'
import { buildApp } from './app.ts'
import { ApiOptionsError, DEFAULT_HTTP_LIMITS, resolveHttpLimits, type HttpLimits } from '@oxagry/api-http'
import { LatestPositions } from './live/latest-positions.ts'
import { InMemoryMachines, noGeofences, noHistory } from './testing.ts'

async function listening(t: { teardown(fn: () => Promise<void>): void }, http: Partial<HttpLimits>) {
  const feed = new LatestPositions()
  const { app } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: noGeofences,
    feed,
    http,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return (app.server.address() as AddressInfo).port
}

/** A raw client: what the server answered and how long after connecting it closed the socket. */
function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('error', () => undefined)
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)))
    socket.once('connect', () => resolve({ socket, received: () => data, closed }))
    socket.once('error', reject)
  })
}

/** Writes one byte of `text` every `everyMs` until the socket closes; never finishes on its own. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let at = 0
  const timer = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) return clearInterval(timer)
    socket.write(text[at % text.length] ?? 'x')
    at++
  }, everyMs)
  socket.on('close', () => clearInterval(timer))
}

function within(closed: Promise<number>, ms: number): Promise<number | 'still open'> {
  return Promise.race([closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))])
}

test('a body trickled to a route that takes none, or with a method the path lacks, is refused at once and the connection closed', async (t) => {
  const port = await listening(t, {})
  for (const [head, answer] of [
    [
      'GET /api/v1/machines HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n',
      /^HTTP\/1\.1 413 [^]*"code":"OXA_API_PAYLOAD_TOO_LARGE".*takes no request body/,
    ],
    // The method is refused first (405 with Allow), and the unread body still closes the connection.
    [
      'POST /api/v1/machines HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
      /^HTTP\/1\.1 405 [^]*allow: GET, HEAD[^]*"code":"OXA_API_METHOD_NOT_ALLOWED"/i,
    ],
    [
      'TRACE /api/v1/machines HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n',
      /^HTTP\/1\.1 405 [^]*"code":"OXA_API_METHOD_NOT_ALLOWED"/,
    ],
  ] as const) {
    const client = await open(port)
    client.socket.write(head)
    trickle(client.socket, '{"a":1}', 100)
    const closedAfter = await within(client.closed, 3000)
    t.true(typeof closedAfter === 'number' && closedAfter < 3000, `closed after ${closedAfter} ms`)
    t.regex(client.received(), answer)
    t.regex(client.received(), /connection: close/i)
    client.socket.destroy()
  }
})

test('a client trickling its headers is cut off at the headers deadline, not Node’s 60 s', async (t) => {
  const port = await listening(t, { headersTimeoutMs: 1000, requestTimeoutMs: 1500 })
  const client = await open(port)
  client.socket.write('GET /api/v1/machines HTTP/1.1\r\nhost: x\r\n')
  trickle(client.socket, 'x-slow: yes\r\n', 100)
  const closedAfter = await within(client.closed, 8000)
  // The deadline plus Node's checking interval (1 s here), with slack for a busy machine.
  t.true(
    typeof closedAfter === 'number' && closedAfter >= 900 && closedAfter < 6000,
    `closed after ${closedAfter} ms`,
  )
  client.socket.destroy()
})

test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
  const port = await listening(t, { keepAliveTimeoutMs: 500 })
  const client = await open(port)
  client.socket.write('GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n')
  const closedAfter = await within(client.closed, 6000)
  t.regex(client.received(), /^HTTP\/1\.1 200 /)
  // Fastify's default is 72 s; slack for a busy machine.
  t.true(
    typeof closedAfter === 'number' && closedAfter >= 400 && closedAfter < 5000,
    `closed after ${closedAfter} ms`,
  )
})

test('connections beyond the cap are dropped on accept', async (t) => {
  const port = await listening(t, { maxConnections: 3 })
  const held = await Promise.all([open(port), open(port), open(port)])
  for (const c of held) c.socket.write('GET /health/live HTTP/1.1\r\nhost: x\r\n')
  await new Promise((r) => setTimeout(r, 100))
  const extra = await open(port)
  extra.socket.write('GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n')
  const closedAfter = await within(extra.closed, 2000)
  t.true(typeof closedAfter === 'number', 'the fourth connection is closed')
  t.is(extra.received(), '', 'and gets no answer')
  for (const c of held) c.socket.destroy()
  await Promise.all(held.map((c) => c.closed))
  // Below the cap again, connections are served.
  const after = await open(port)
  after.socket.write('GET /health/live HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  await after.closed
  t.regex(after.received(), /^HTTP\/1\.1 200 /)
})

test('limits are checked once: each a positive integer, the headers deadline within the request deadline', (t) => {
  t.deepEqual(resolveHttpLimits(), DEFAULT_HTTP_LIMITS)
  const error = t.throws(
    () => resolveHttpLimits({ requestTimeoutMs: 0, maxConnections: Number.NaN, headersTimeoutMs: 20_000 }),
    { instanceOf: ApiOptionsError },
  )
  t.is(error?.code, 'OXA_API_INVALID_OPTIONS')
  t.deepEqual(error?.problems, [
    'http.requestTimeoutMs must be a positive integer, got 0',
    'http.maxConnections must be a positive integer, got NaN',
    'http.headersTimeoutMs must not exceed http.requestTimeoutMs',
  ])
})
