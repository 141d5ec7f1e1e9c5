import type { WebSocket } from 'ws'
import { inBox, type BoundingBox, type MachinePosition, type PositionFeed } from '../ports.ts'
import { parseClientMessage, type ServerMessage } from './messages.ts'

export interface HubOptions {
  /** How often pending updates are sent to each client. */
  readonly flushIntervalMs: number
  /** Bytes queued on a socket beyond which the client counts as slow and gets no more until it drains. */
  readonly highWaterMarkBytes: number
  readonly heartbeatIntervalMs: number
}

interface Client {
  readonly socket: WebSocket
  machineIds: Set<string> | null
  bbox: BoundingBox | null
  subscribed: boolean
  /** Latest position per machine not yet sent: a slow client's backlog is at most one entry per machine. */
  pending: Map<string, MachinePosition>
  alive: boolean
}

export interface HubStats {
  readonly clients: number
  readonly pendingPositions: number
  readonly conflated: number
  readonly sent: number
}

/**
 * The live feed: clients subscribe by machine ids or a bounding box, get a snapshot, then updates.
 * Updates are conflated per client (latest per machine) and sent only while the socket drains, so a
 * client that stops reading costs at most one pending position per machine plus one socket buffer.
 */
export class LiveHub {
  private readonly clients = new Set<Client>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly unsubscribe: () => void
  private conflated = 0
  private sent = 0

  constructor(
    private readonly feed: PositionFeed,
    private readonly options: HubOptions,
  ) {
    this.unsubscribe = feed.subscribe((position) => this.onPosition(position))
    this.timers.push(setInterval(() => this.flush(), options.flushIntervalMs))
    this.timers.push(setInterval(() => this.heartbeat(), options.heartbeatIntervalMs))
  }

  stats(): HubStats {
    let pending = 0
    for (const c of this.clients) pending += c.pending.size
    return {
      clients: this.clients.size,
      pendingPositions: pending,
      conflated: this.conflated,
      sent: this.sent,
    }
  }

  attach(socket: WebSocket): void {
    const client: Client = {
      socket,
      machineIds: null,
      bbox: null,
      subscribed: false,
      pending: new Map(),
      alive: true,
    }
    this.clients.add(client)
    socket.on('pong', () => {
      client.alive = true
    })
    socket.on('message', (data, isBinary) => {
      const parsed = parseClientMessage(isBinary ? '' : data.toString())
      if (!parsed.ok) {
        this.send(client, parsed.error)
        return
      }
      const message = parsed.message
      switch (message.type) {
        case 'subscribe':
          client.machineIds = message.machineIds === undefined ? null : new Set(message.machineIds)
          client.bbox = message.bbox ?? null
          client.subscribed = true
          client.pending.clear()
          this.send(client, {
            type: 'subscribed',
            machineIds: message.machineIds ?? null,
            bbox: message.bbox ?? null,
          })
          this.send(client, {
            type: 'snapshot',
            machines: [...this.feed.latest()].filter((p) => this.matches(client, p)),
          })
          return
        case 'unsubscribe':
          client.subscribed = false
          client.pending.clear()
          return
        case 'ping':
          this.send(client, { type: 'pong' })
          return
      }
    })
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => this.clients.delete(client))
  }

  private matches(client: Client, position: MachinePosition): boolean {
    if (!client.subscribed) return false
    if (client.machineIds !== null && !client.machineIds.has(position.machineId)) return false
    return client.bbox === null || inBox(position, client.bbox)
  }

  private onPosition(position: MachinePosition): void {
    for (const client of this.clients) {
      if (!this.matches(client, position)) continue
      if (client.pending.has(position.machineId)) this.conflated++
      client.pending.set(position.machineId, position)
    }
  }

  private flush(): void {
    for (const client of this.clients) {
      if (client.pending.size === 0 || client.socket.bufferedAmount > this.options.highWaterMarkBytes)
        continue
      const machines = [...client.pending.values()]
      client.pending = new Map()
      this.send(client, { type: 'update', machines })
      this.sent += machines.length
    }
  }

  private heartbeat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate()
        this.clients.delete(client)
        continue
      }
      client.alive = false
      client.socket.ping()
      if (client.socket.bufferedAmount <= this.options.highWaterMarkBytes)
        this.send(client, { type: 'heartbeat', at: Date.now() })
    }
  }

  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message))
  }

  close(): void {
    this.unsubscribe()
    for (const t of this.timers) clearInterval(t)
    for (const c of this.clients) c.socket.close(1001, 'server shutting down')
    this.clients.clear()
  }
}
