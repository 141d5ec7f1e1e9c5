import { join } from 'node:path'
import WebSocket from 'ws'
import { SystemProcess } from '../streams/child.ts'
import { loadAverage, mb, type MemorySample, type WebSocketResult } from './results.ts'

export interface WebSocketOptions {
  readonly clients: number
  /** Clients that subscribe and then never read (their socket paused). */
  readonly nonReading: number
  readonly machines: number
  /** Positions per second the server's feed publishes. */
  readonly feedRate: number
  /** When to sample the server's memory, seconds after the feed started; the last one ends the run. */
  readonly sampleAtSeconds: readonly number[]
  /** How long the server runs before its baseline is taken, ms. */
  readonly baselineMs: number
  readonly logDir: string
  readonly log: (line: string) => void
}

/** One line `MEMORY {...}` of the server child. */
interface ServerReport {
  readonly at: number
  readonly rss: number
  readonly heapUsed: number
  readonly clients: number
  readonly sent: number
  readonly published: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/** A client of the feed subscribed to every machine; a non-reading one pauses its socket after subscribing. */
async function connect(
  url: string,
  reading: boolean,
  counts: { frames: number; bytes: number },
): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  if (reading) {
    socket.on('message', (data: Buffer) => {
      counts.frames++
      counts.bytes += data.length
    })
  }
  socket.send(JSON.stringify({ type: 'subscribe' }))
  // Paused: nothing more is read from the socket, so the kernel's buffers fill and then the server's.
  if (!reading) socket.pause()
  return socket
}

/**
 * The live feed's server with `clients` clients subscribed to everything, `nonReading` of them never
 * reading: its memory before they connect, then at each sample time, and what the reading clients got.
 */
export async function runWebSocketMemory(options: WebSocketOptions): Promise<WebSocketResult> {
  const { log } = options
  const server = SystemProcess.script(
    'ws server',
    new URL('./ws-server-child.ts', import.meta.url),
    [
      ...['--machines', String(options.machines), '--feed-rate', String(options.feedRate)],
      ...['--clients', String(options.clients)],
    ],
    join(options.logDir, `ws-server-${options.nonReading}.log`),
  )
  const reports: ServerReport[] = []
  server.onLine((line) => {
    if (line.startsWith('MEMORY ')) reports.push(JSON.parse(line.slice(7)) as ServerReport)
  })
  const sockets: WebSocket[] = []
  const counts = { frames: 0, bytes: 0 }
  /** The first report at or after `at`. */
  const reportAt = async (at: number): Promise<ServerReport> => {
    const line = await server.guard(
      server.line((l) => l.startsWith('MEMORY ') && (JSON.parse(l.slice(7)) as ServerReport).at >= at),
    )
    return JSON.parse(line.slice(7)) as ServerReport
  }
  try {
    const { url } = JSON.parse((await server.guard(server.line((l) => l.startsWith('READY ')))).slice(6)) as {
      url: string
    }
    // Before any client: the server holds every machine's position, the feed waits for the clients.
    const baseline = await reportAt(Date.now() + options.baselineMs)
    const loadAvg = loadAverage()
    const reading = options.clients - options.nonReading
    // The non-reading clients last, so the reading ones' snapshots are through when the socket pauses.
    const connectStarted = Date.now()
    for (let i = 0; i < options.clients; i += 50) {
      const batch = Array.from({ length: Math.min(50, options.clients - i) }, (_, j) =>
        connect(url, i + j < reading, counts),
      )
      sockets.push(...(await server.guard(Promise.all(batch))))
    }
    log(
      `websocket: ${options.clients} clients (${options.nonReading} not reading) connected in ${Date.now() - connectStarted} ms`,
    )
    // Samples count from the feed's start, which waits for the last client.
    const feed = await server.guard(server.line((l) => l.startsWith('FEED ')))
    const feedStartedAt = (JSON.parse(feed.slice(5)) as { at: number }).at

    // Each sample is the peak over the window since the previous one: one instant would mostly say
    // where the garbage collector happened to be.
    const samples: MemorySample[] = []
    let from: { report: ServerReport; frames: number; bytes: number; cpu: number | undefined } | undefined
    let to = from
    let windowStart = feedStartedAt
    for (const seconds of options.sampleAtSeconds) {
      const at = feedStartedAt + seconds * 1000
      await server.guard(sleep(at - Date.now()))
      const report = await reportAt(at)
      const mark = { report, frames: counts.frames, bytes: counts.bytes, cpu: server.cpuMs() }
      from ??= mark
      to = mark
      const window = reports.filter((r) => r.at > windowStart && r.at <= report.at)
      windowStart = report.at
      const sample: MemorySample = {
        afterSeconds: seconds,
        rssMB: mb(Math.max(...window.map((r) => r.rss))),
        heapUsedMB: mb(Math.max(...window.map((r) => r.heapUsed))),
        clients: report.clients,
      }
      samples.push(sample)
      log(
        `websocket: up to ${seconds} s: peak rss ${sample.rssMB} MB, peak heap ${sample.heapUsedMB} MB, ${sample.clients} clients`,
      )
    }
    if (from === undefined || to === undefined) throw new Error('--ws-samples needs at least one time')
    const seconds = (to.report.at - from.report.at) / 1000
    const perSec = (n: number): number => (seconds > 0 ? n / seconds : 0)
    const after = reports.filter((r) => r.at >= feedStartedAt)
    return {
      clients: options.clients,
      nonReading: options.nonReading,
      machines: options.machines,
      feedRate: options.feedRate,
      baselineRssMB: mb(baseline.rss),
      baselineHeapUsedMB: mb(baseline.heapUsed),
      samples,
      peakRssMB: mb(Math.max(...after.map((r) => r.rss))),
      framesPerSecPerClient: Math.round((perSec(to.frames - from.frames) / Math.max(1, reading)) * 100) / 100,
      publishedPerSec: Math.round(perSec(to.report.published - from.report.published)),
      positionsPerSec: Math.round(perSec(to.report.sent - from.report.sent)),
      receivedMBPerSec: Math.round((perSec(to.bytes - from.bytes) / 2 ** 20) * 10) / 10,
      serverCpuPct:
        from.cpu === undefined || to.cpu === undefined || seconds <= 0
          ? null
          : Math.round(((to.cpu - from.cpu) / 10 / seconds) * 10) / 10,
      loadAvg,
    }
  } finally {
    for (const socket of sockets) socket.terminate()
    await server.stop()
  }
}
