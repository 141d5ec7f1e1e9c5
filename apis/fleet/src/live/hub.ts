import type { WebSocket } from 'ws'
import { inBox, type BoundingBox, type MachinePosition, type PositionFeed } from '../ports.ts'
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, type ServerMessage } from './messages.ts'

export interface HubOptions {
  /** How often pending updates are sent to each client. */
  readonly flushIntervalMs: number
  /**
   * Bytes queued on a socket beyond which the client counts as slow: it gets no snapshot or update until
   * it drains. A client's queue is at most this plus one snapshot or update frame.
   */
  readonly highWaterMarkBytes: number
  /**
   * Bytes queued beyond which a client that still sends (subscribes, pings) but does not read is closed
   * (1008): the small answers to its messages are not conflated, so they must not pile up.
   */
  readonly maxQueuedBytes: number
  /** A client's sustained message rate; above it (after `messageBurst`) it is closed with 1008. */
  readonly messagesPerSecond: number
  readonly messageBurst: number
  readonly heartbeatIntervalMs: number
}

/** WebSocket close codes the hub uses (RFC 6455). */
export const CLOSE_CODES = { GOING_AWAY: 1001, POLICY_VIOLATION: 1008, TOO_BIG: 1009 } as const

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
  /** Subscribed, snapshot not sent yet (its socket was over the high-water mark). */
  snapshotPending: boolean
  alive: boolean
  /** Token bucket of the client's messages. */
  tokens: number
  refilledAt: number
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
  /** The largest number of bytes queued on one client's socket right after a send, since the start. */
  readonly peakBufferedBytes: number
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
  private peakBuffered = 0

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
      peakBufferedBytes: this.peakBuffered,
      sent: this.sent,
    }
  }

  attach(socket: WebSocket): void {
    const client: Client = {
      socket,
      subscription: null,
      syncedSeq: 0,
      snapshotPending: false,
      alive: true,
      tokens: this.options.messageBurst,
      refilledAt: Date.now(),
    }
    this.clients.add(client)
    socket.on('pong', () => {
      client.alive = true
    })
    socket.on('message', (data, isBinary) => {
      if (!this.allow(client)) return
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength
      if (size > MAX_CLIENT_MESSAGE_BYTES) {
        // ws itself closes 1009 with no reason only past twice this, so the client learns the limit here.
        this.send(client, {
          type: 'error',
          code: 'TOO_LARGE',
          message: `a message may be at most ${MAX_CLIENT_MESSAGE_BYTES} bytes (this one: ${size})`,
        })
        socket.close(CLOSE_CODES.TOO_BIG, `message over ${MAX_CLIENT_MESSAGE_BYTES} bytes`)
        return
      }
      const parsed = parseClientMessage(isBinary ? '' : data.toString())
      if (!parsed.ok) {
        this.send(client, parsed.error)
        return
      }
      const message = parsed.message
      switch (message.type) {
        case 'subscribe': {
          client.subscription = subscriptionOf(message.machineIds, message.bbox)
          this.send(client, {
            type: 'subscribed',
            machineIds: message.machineIds ?? null,
            bbox: message.bbox ?? null,
          })
          // The snapshot goes out now if the socket has room, else once it drains (from flush); a second
          // subscribe before then replaces the first, so a client has at most one snapshot pending.
          client.snapshotPending = true
          this.sendSnapshot(client)
          return
        }
        case 'unsubscribe':
          client.subscription = null
          client.snapshotPending = false
          return
        case 'ping':
          this.send(client, { type: 'pong' })
          return
      }
    })
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => this.clients.delete(client))
  }

  /** Takes a token for one client message, or closes the client that sends faster than allowed. */
  private allow(client: Client): boolean {
    const now = Date.now()
    const { messagesPerSecond, messageBurst } = this.options
    client.tokens = Math.min(
      messageBurst,
      client.tokens + ((now - client.refilledAt) / 1000) * messagesPerSecond,
    )
    client.refilledAt = now
    if (client.tokens >= 1) {
      client.tokens--
      return true
    }
    if (client.socket.readyState === client.socket.OPEN)
      client.socket.close(
        CLOSE_CODES.POLICY_VIOLATION,
        `rate limit: at most ${messagesPerSecond} messages a second`,
      )
    return false
  }

  /** Sends the pending snapshot if the socket is under the high-water mark; whether it went out. */
  private sendSnapshot(client: Client): boolean {
    const subscription = client.subscription
    if (!client.snapshotPending || subscription === null) return false
    if (client.socket.bufferedAmount > this.options.highWaterMarkBytes) return false
    // The snapshot holds everything up to now; updates carry what changes after it.
    client.syncedSeq = this.seq
    client.snapshotPending = false
    const machines: MachinePosition[] = []
    for (const entry of this.latest.values())
      if (matches(subscription, entry.position)) machines.push(entry.position)
    this.write(client, JSON.stringify({ type: 'snapshot', machines }))
    return true
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
      if (client.snapshotPending) {
        this.sendSnapshot(client)
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
      this.write(client, update.frame)
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

  /**
   * Sends a small answer (subscribed, pong, error, heartbeat). These are not conflated, so a client that
   * keeps sending without reading is closed once its queue passes `maxQueuedBytes`.
   */
  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== client.socket.OPEN) return
    if (client.socket.bufferedAmount > this.options.maxQueuedBytes) {
      client.socket.close(
        CLOSE_CODES.POLICY_VIOLATION,
        `not reading: over ${this.options.maxQueuedBytes} bytes queued`,
      )
      return
    }
    this.write(client, JSON.stringify(message))
  }

  private write(client: Client, frame: string | Buffer): void {
    if (client.socket.readyState !== client.socket.OPEN) return
    client.socket.send(frame, { binary: false })
    this.peakBuffered = Math.max(this.peakBuffered, client.socket.bufferedAmount)
  }

  close(): void {
    this.unsubscribe()
    for (const t of this.timers) clearInterval(t)
    for (const c of this.clients) c.socket.close(CLOSE_CODES.GOING_AWAY, 'server shutting down')
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
