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

/** What a client asked for; clients asking for the same thing share each update frame. */
interface Subscription {
  /** Identifies equal subscriptions: the sorted ids and the box. */
  readonly key: string
  readonly machineIds: ReadonlySet<string> | null
  readonly bbox: BoundingBox | null
}

interface Client {
  readonly socket: WebSocket
  subscription: Subscription | null
  /** The hub's sequence number up to which this client has every change it subscribed to. */
  syncedSeq: number
  alive: boolean
}

/** The newest position of a machine, when it changed, and its JSON (made once, for every client). */
interface Entry {
  readonly position: MachinePosition
  readonly seq: number
  json: string | undefined
}

export interface HubStats {
  readonly clients: number
  /** Positions the hub holds: one per machine, whatever its clients do. */
  readonly positions: number
  /** Subscribed clients whose socket was over the high-water mark at the last flush. */
  readonly laggingClients: number
  /** The largest number of bytes queued on one client's socket now. */
  readonly maxBufferedBytes: number
  /** Positions sent in update frames, summed over clients. */
  readonly sent: number
}

/**
 * The live feed: clients subscribe by machine ids or a bounding box, get a snapshot, then updates.
 *
 * The hub keeps the newest position per machine, numbered in arrival order. Each flush, the machines
 * that changed since the previous one are serialized once and framed once per distinct subscription;
 * every client that was up to date gets its subscription's frame. A client whose socket is over the
 * high-water mark is skipped and, once it drains, gets one frame with the newest position of each machine
 * it subscribed to that changed meanwhile: updates are conflated (latest per machine) and a client that
 * stops reading costs the server one number plus its socket buffer, however long it stalls.
 */
export class LiveHub {
  private readonly clients = new Set<Client>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly unsubscribe: () => void
  private readonly latest = new Map<string, Entry>()
  /** Machines changed since the last flush. */
  private changed = new Set<string>()
  private seq = 0
  /** `seq` at the last flush: clients synced to it are up to date but for `changed`. */
  private flushedSeq = 0
  private lagging = 0
  private sent = 0

  constructor(
    private readonly feed: PositionFeed,
    private readonly options: HubOptions,
  ) {
    for (const position of feed.latest())
      this.latest.set(position.machineId, { position, seq: 0, json: undefined })
    this.unsubscribe = feed.subscribe((position) => this.onPosition(position))
    this.timers.push(setInterval(() => this.flush(), options.flushIntervalMs))
    this.timers.push(setInterval(() => this.heartbeat(), options.heartbeatIntervalMs))
  }

  stats(): HubStats {
    let maxBufferedBytes = 0
    for (const c of this.clients) maxBufferedBytes = Math.max(maxBufferedBytes, c.socket.bufferedAmount)
    return {
      clients: this.clients.size,
      positions: this.latest.size,
      laggingClients: this.lagging,
      maxBufferedBytes,
      sent: this.sent,
    }
  }

  attach(socket: WebSocket): void {
    const client: Client = { socket, subscription: null, syncedSeq: 0, alive: true }
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
        case 'subscribe': {
          const subscription = subscriptionOf(message.machineIds, message.bbox)
          client.subscription = subscription
          this.send(client, {
            type: 'subscribed',
            machineIds: message.machineIds ?? null,
            bbox: message.bbox ?? null,
          })
          // The snapshot holds everything up to now; updates carry what changes after it.
          client.syncedSeq = this.seq
          const machines: MachinePosition[] = []
          for (const entry of this.latest.values())
            if (matches(subscription, entry.position)) machines.push(entry.position)
          this.send(client, { type: 'snapshot', machines })
          return
        }
        case 'unsubscribe':
          client.subscription = null
          return
        case 'ping':
          this.send(client, { type: 'pong' })
          return
      }
    })
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => this.clients.delete(client))
  }

  private onPosition(position: MachinePosition): void {
    this.seq++
    this.latest.set(position.machineId, { position, seq: this.seq, json: undefined })
    this.changed.add(position.machineId)
  }

  private flush(): void {
    const changed = this.changed
    const fromSeq = this.flushedSeq
    this.changed = new Set()
    this.flushedSeq = this.seq
    /** This flush's frame per subscription, for clients that were up to date. */
    const frames = new Map<string, { frame: Buffer; count: number } | null>()
    let lagging = 0
    for (const client of this.clients) {
      const subscription = client.subscription
      if (subscription === null || client.socket.readyState !== client.socket.OPEN) continue
      if (client.socket.bufferedAmount > this.options.highWaterMarkBytes) {
        lagging++
        continue
      }
      let update: { frame: Buffer; count: number } | null
      if (client.syncedSeq >= fromSeq) {
        // Up to date but for this flush's changes (positions of a machine that arrived after the client's
        // snapshot but before this flush are in `changed` too: sending them again is harmless).
        const cached = frames.get(subscription.key)
        update = cached === undefined ? this.frame(subscription, changed.keys(), fromSeq) : cached
        if (cached === undefined) frames.set(subscription.key, update)
      } else {
        // It was skipped while slow: every machine it subscribed to that changed since, newest only.
        update = this.frame(subscription, this.latest.keys(), client.syncedSeq)
      }
      client.syncedSeq = this.seq
      if (update === null) continue
      client.socket.send(update.frame, { binary: false })
      this.sent += update.count
    }
    this.lagging = lagging
  }

  /** The update frame of the machines among `ids` changed after `afterSeq` that `subscription` wants. */
  private frame(
    subscription: Subscription,
    ids: Iterable<string>,
    afterSeq: number,
  ): { frame: Buffer; count: number } | null {
    const parts: string[] = []
    for (const id of ids) {
      const entry = this.latest.get(id)
      if (entry === undefined || entry.seq <= afterSeq || !matches(subscription, entry.position)) continue
      entry.json ??= JSON.stringify(entry.position)
      parts.push(entry.json)
    }
    if (parts.length === 0) return null
    // One buffer for every client that gets this frame: ws writes it as it is, with no copy per client.
    return {
      frame: Buffer.from(`{"type":"update","machines":[${parts.join(',')}]}`),
      count: parts.length,
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

function subscriptionOf(
  machineIds: readonly string[] | undefined,
  bbox: BoundingBox | undefined,
): Subscription {
  const ids = machineIds === undefined ? null : new Set(machineIds)
  const box = bbox ?? null
  const key = JSON.stringify([ids === null ? null : [...ids].sort(), box])
  return { key, machineIds: ids, bbox: box }
}

function matches(subscription: Subscription, position: MachinePosition): boolean {
  if (subscription.machineIds !== null && !subscription.machineIds.has(position.machineId)) return false
  return subscription.bbox === null || inBox(position, subscription.bbox)
}
