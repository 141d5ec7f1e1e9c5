import type { AddressInfo } from 'node:net'
import test from 'ava'
import WebSocket from 'ws'
import { buildApp } from '../app.ts'
import { InMemoryMachines, noGeofences, noHistory, position, testAuth } from '../testing.ts'
import type { HubOptions } from './hub.ts'
import { LatestPositions } from './latest-positions.ts'
import { MAX_CLIENT_MESSAGE_BYTES, MAX_SUBSCRIBED_IDS, type ServerMessage } from './messages.ts'

async function server(t: { teardown(fn: () => Promise<void>): void }, live: Partial<HubOptions> = {}) {
  const auth = await testAuth()
  const feed = new LatestPositions()
  const { app, hub } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: noGeofences,
    feed,
    live: { flushIntervalMs: 20, highWaterMarkBytes: 16 * 1024, heartbeatIntervalMs: 60_000, ...live },
    auth: auth.settings,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as AddressInfo
  const url = `ws://127.0.0.1:${port}/ws/machines`
  tokens.set(url, await auth.token())
  return { feed, hub, url }
}

/** Each test's server has its own key: the token for its URL (tests run concurrently). */
const tokens = new Map<string, string>()

function machinesOf(message: ServerMessage): { machineId: string; latitude: number }[] {
  return message.type === 'snapshot' || message.type === 'update' ? [...message.machines] : []
}

/** A client that records every frame it gets. */
async function client(url: string): Promise<{
  ws: WebSocket
  messages: ServerMessage[]
  next(type: ServerMessage['type']): Promise<ServerMessage>
}> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${tokens.get(url) ?? ''}` } })
  const messages: ServerMessage[] = []
  const waiters: { type: string; resolve: (m: ServerMessage) => void }[] = []
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage
    messages.push(message)
    const at = waiters.findIndex((w) => w.type === message.type)
    if (at >= 0) waiters.splice(at, 1)[0]?.resolve(message)
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    next: (type) => new Promise((resolve) => waiters.push({ type, resolve })),
  }
}

test('a subscriber gets a snapshot, then updates for the machines it asked for only', async (t) => {
  const { feed, url } = await server(t)
  feed.publish(position('MF-1'))
  feed.publish(position('MF-2'))
  const c = await client(url)
  const snapshot = c.next('snapshot')
  c.ws.send(JSON.stringify({ type: 'subscribe', machineIds: ['MF-1'] }))
  t.deepEqual(
    machinesOf(await snapshot).map((m) => m.machineId),
    ['MF-1'],
  )
  const update = c.next('update')
  feed.publish(position('MF-2', { eventTime: 1_700_000_001_000 }))
  feed.publish(position('MF-1', { eventTime: 1_700_000_001_000, latitude: 42 }))
  t.deepEqual(
    machinesOf(await update).map((m) => [m.machineId, m.latitude]),
    [['MF-1', 42]],
  )
  c.ws.close()
})

test('a bounding-box subscription sees only machines inside it', async (t) => {
  const { feed, url } = await server(t)
  feed.publish(position('IN', { latitude: 41.9, longitude: -93.6 }))
  feed.publish(position('OUT', { latitude: 45, longitude: -93.6 }))
  const c = await client(url)
  const snapshot = c.next('snapshot')
  c.ws.send(JSON.stringify({ type: 'subscribe', bbox: { minLat: 41, maxLat: 42, minLon: -94, maxLon: -93 } }))
  t.deepEqual(
    machinesOf(await snapshot).map((m) => m.machineId),
    ['IN'],
  )
  c.ws.close()
})

test('a malformed message gets an error frame naming the problem; the socket stays open', async (t) => {
  const { url } = await server(t)
  const c = await client(url)
  const first = c.next('error')
  c.ws.send('not json')
  t.is(((await first) as { code: string }).code, 'BAD_JSON')
  const second = c.next('error')
  c.ws.send(JSON.stringify({ type: 'subscribe', bbox: { minLat: 'north' } }))
  t.regex(((await second) as { message: string }).message, /\/bbox\/minLat must be number/)
  const pong = c.next('pong')
  c.ws.send(JSON.stringify({ type: 'ping' }))
  t.is((await pong).type, 'pong')
  t.is(c.ws.readyState, WebSocket.OPEN)
  c.ws.close()
})

test('a client that stops reading gets conflated updates: the server holds one position per machine and a bounded socket backlog', async (t) => {
  const { feed, hub, url } = await server(t)
  const machines = 50
  for (let m = 0; m < machines; m++) feed.publish(position(`M${m}`))
  const slow = await client(url)
  const snapshot = slow.next('snapshot')
  slow.ws.send(JSON.stringify({ type: 'subscribe' }))
  await snapshot
  // Stop reading: the kernel buffers fill, then the server's socket buffer passes the high-water mark.
  ;(slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
  const padding = 'x'.repeat(2000)
  let largestBacklog = 0
  let sawLagging = false
  for (let round = 1; round <= 400; round++) {
    for (let m = 0; m < machines; m++)
      feed.publish(position(`M${m}`, { eventTime: 1_700_000_000_000 + round, engineState: padding }))
    if (round % 10 === 0) {
      await new Promise((r) => setTimeout(r, 30))
      const stats = hub.stats()
      largestBacklog = Math.max(largestBacklog, stats.maxBufferedBytes)
      sawLagging ||= stats.laggingClients === 1
    }
  }
  await new Promise((r) => setTimeout(r, 100))
  const stats = hub.stats()
  t.true(sawLagging, 'the stalled client was skipped rather than written to')
  t.is(stats.positions, machines, 'one position per machine, however many updates the client missed')
  // At most the high-water mark plus the one frame that crossed it (50 padded positions).
  const frameBytes = machines * (padding.length + 300)
  t.true(largestBacklog <= 16 * 1024 + frameBytes, `largest socket backlog ${largestBacklog} bytes`)
  // Reading again, the client catches up with the latest position of every machine.
  ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
  const deadline = Date.now() + 10_000
  const latest = new Map<string, number>()
  while (Date.now() < deadline) {
    for (const m of slow.messages)
      if (m.type === 'update') for (const p of m.machines) latest.set(p.machineId, p.eventTime)
    if (latest.size === machines && [...latest.values()].every((ts) => ts === 1_700_000_000_400)) break
    await new Promise((r) => setTimeout(r, 50))
  }
  t.is(latest.size, machines)
  t.true([...latest.values()].every((ts) => ts === 1_700_000_000_400))
  slow.ws.close()
})

test('clients with the same subscription share frames; each gets only what changed since its last frame', async (t) => {
  const { feed, hub, url } = await server(t)
  for (let m = 0; m < 10; m++) feed.publish(position(`M${m}`))
  const clients = await Promise.all([client(url), client(url), client(url)])
  const [a, b, c] = clients
  const subscribed = clients.map((x) => x.next('snapshot'))
  a!.ws.send(JSON.stringify({ type: 'subscribe' }))
  b!.ws.send(JSON.stringify({ type: 'subscribe' }))
  c!.ws.send(JSON.stringify({ type: 'subscribe', machineIds: ['M3', 'M4'] }))
  await Promise.all(subscribed)
  await new Promise((r) => setTimeout(r, 50))
  const sentBefore = hub.stats().sent
  const framesBefore = a!.messages.length
  const updates = clients.map((x) => x.next('update'))
  feed.publish(position('M3', { eventTime: 1_700_000_001_000, latitude: 42.1 }))
  feed.publish(position('M7', { eventTime: 1_700_000_001_000, latitude: 42.2 }))
  feed.publish(position('M3', { eventTime: 1_700_000_002_000, latitude: 42.3 }))
  const [ua, ub, uc] = await Promise.all(updates)
  t.deepEqual(
    machinesOf(ua!).map((m) => [m.machineId, m.latitude]),
    [
      ['M3', 42.3],
      ['M7', 42.2],
    ],
  )
  t.deepEqual(machinesOf(ub!), machinesOf(ua!))
  t.deepEqual(
    machinesOf(uc!).map((m) => [m.machineId, m.latitude]),
    [['M3', 42.3]],
  )
  // Nothing changed since: the next flushes send nothing.
  await new Promise((r) => setTimeout(r, 100))
  t.is(a!.messages.slice(framesBefore).filter((m) => m.type === 'update').length, 1)
  t.is(hub.stats().sent - sentBefore, 5)
  for (const x of clients) x.ws.close()
})

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
}

test('a client flooding whole-world subscribes without reading: its queue stays bounded, snapshots included', async (t) => {
  // No rate limit here: the bound must hold on its own.
  const { feed, hub, url } = await server(t, {
    messagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
    maxQueuedBytes: 64 * 1024,
  })
  for (let m = 0; m < 500; m++) feed.publish(position(`MF-${m}`))
  const snapshotBytes = JSON.stringify({ type: 'snapshot', machines: [...feed.latest()] }).length
  const flooder = await client(url)
  const closed = closeOf(flooder.ws)
  ;(flooder.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
  const subscribe = JSON.stringify({ type: 'subscribe' })
  for (let i = 0; i < 500; i++) flooder.ws.send(subscribe)
  await new Promise((r) => setTimeout(r, 500))
  const peak = hub.stats().peakBufferedBytes
  // One snapshot over the high-water mark, then small answers up to maxQueuedBytes, then the close.
  t.true(peak <= 64 * 1024 + snapshotBytes + 1024, `peak queue ${peak} bytes, snapshot ${snapshotBytes}`)
  ;(flooder.ws as unknown as { _socket: { resume(): void } })._socket.resume()
  const { code, reason } = await closed
  t.is(code, 1008)
  t.regex(reason, /not reading: over 65536 bytes queued/)
  // What the kernel's socket buffers took before ws had to queue: far from one per subscribe.
  const snapshots = flooder.messages.filter((m) => m.type === 'snapshot').length
  t.true(snapshots < 100, `${snapshots} snapshots for 500 subscribes`)
  t.log(`peak queue ${peak} bytes (snapshot ${snapshotBytes}), ${snapshots} snapshots delivered`)
})

test('a client sending faster than the message rate is closed with 1008 and the limit in the reason', async (t) => {
  const { url } = await server(t, { messagesPerSecond: 10, messageBurst: 20 })
  const c = await client(url)
  const closed = closeOf(c.ws)
  for (let i = 0; i < 100; i++) c.ws.send(JSON.stringify({ type: 'ping' }))
  const { code, reason } = await closed
  t.is(code, 1008)
  t.is(reason, 'rate limit: at most 10 messages a second')
  const pongs = c.messages.filter((m) => m.type === 'pong').length
  t.true(pongs >= 19 && pongs <= 21, `${pongs} pongs before the close`)
})

test('the documented subscription of 10,000 ids of 128 characters fits; past the limits an error frame says so', async (t) => {
  const { feed, url } = await server(t)
  const id = (i: number) => `MF-${String(i).padStart(125, '0')}`
  feed.publish(position(id(7)))
  const c = await client(url)
  const ids = Array.from({ length: MAX_SUBSCRIBED_IDS }, (_, i) => id(i))
  const snapshot = c.next('snapshot')
  c.ws.send(JSON.stringify({ type: 'subscribe', machineIds: ids }))
  t.deepEqual(
    machinesOf(await snapshot).map((m) => m.machineId),
    [id(7)],
  )
  const tooMany = c.next('error')
  c.ws.send(JSON.stringify({ type: 'subscribe', machineIds: [...ids, id(MAX_SUBSCRIBED_IDS)] }))
  t.regex(
    ((await tooMany) as { message: string }).message,
    /\/machineIds must NOT have more than 10000 items/,
  )
  const tooLarge = c.next('error')
  const closed = closeOf(c.ws)
  c.ws.send(JSON.stringify({ type: 'ping', pad: ' '.repeat(MAX_CLIENT_MESSAGE_BYTES) }))
  const error = (await tooLarge) as { code: string; message: string }
  t.is(error.code, 'TOO_LARGE')
  t.regex(error.message, /a message may be at most 1572864 bytes/)
  t.deepEqual(await closed, { code: 1009, reason: 'message over 1572864 bytes' })
})
