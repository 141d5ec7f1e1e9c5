import type { MachinePosition, ServerMessage } from '@oxagry/fleet-api'
import WebSocket from 'ws'

/** What a prompt client saw of one window of event times. */
export interface LiveWindow {
  /** Receive time − eventTime of each position in an update frame whose eventTime is in the window, ms. */
  readonly latencies: number[]
  /** Update frames received while the window lasted. */
  readonly frames: number
}

/**
 * A WebSocket client of the live feed subscribed to every machine, reading promptly: it notes each
 * position of each `update` frame with its eventTime and the time the frame arrived (the producer
 * stamped eventTime with the wall clock of the same machine, so the difference is produced → client).
 * Snapshots are not counted: they repeat positions already held.
 */
export class LiveClient {
  private eventTimes: number[] = []
  private latencies: number[] = []
  private frameTimes: number[] = []
  /** The newest eventTime received so far. */
  newest = 0

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.onMessage(data))
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<LiveClient> {
    const socket = new WebSocket(url, { headers })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    const client = new LiveClient(socket)
    const subscribed = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as ServerMessage).type === 'subscribed') resolve()
      }),
    )
    socket.send(JSON.stringify({ type: 'subscribe' }))
    await subscribed
    return client
  }

  private onMessage(data: Buffer): void {
    const receivedAt = Date.now()
    const message = JSON.parse(data.toString()) as ServerMessage
    if (message.type !== 'update') return
    this.frameTimes.push(receivedAt)
    for (const p of message.machines as readonly MachinePosition[]) {
      this.eventTimes.push(p.eventTime)
      this.latencies.push(receivedAt - p.eventTime)
      if (p.eventTime > this.newest) this.newest = p.eventTime
    }
  }

  /** The positions with eventTime in [from, to), and the frames received in that time. */
  window(from: number, to: number): LiveWindow {
    const latencies: number[] = []
    for (let i = 0; i < this.eventTimes.length; i++) {
      const t = this.eventTimes[i] as number
      if (t >= from && t < to) latencies.push(this.latencies[i] as number)
    }
    const frames = this.frameTimes.filter((t) => t >= from && t < to).length
    return { latencies, frames }
  }

  /** Forgets what was received: each step starts empty. */
  clear(): void {
    this.eventTimes = []
    this.latencies = []
    this.frameTimes = []
  }

  close(): void {
    this.socket.terminate()
  }
}
