import type { CommerceReadModel, OrderView } from '@oxagry/sink'
import type { WebSocket } from 'ws'
import { orderStatusJson } from '../views.ts'
import { statusOf, type OrderStatusChange, type OrderStatusFeed } from './feed.ts'
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, type ServerMessage } from './messages.ts'

export interface OrderHubOptions {
  /** How often pending changes are sent to each client. */
  readonly flushIntervalMs: number
  /** Bytes queued on a socket beyond which a client gets no update until it drains (changes conflate). */
  readonly highWaterMarkBytes: number
  /** Bytes queued beyond which a client that sends but does not read is closed (1008). */
  readonly maxQueuedBytes: number
  /** Orders with a change waiting for one slow client; beyond it the client is closed (1008). */
  readonly maxPendingOrders: number
  readonly messagesPerSecond: number
  readonly messageBurst: number
  readonly heartbeatIntervalMs: number
  /** The newest orders a customer subscription's snapshot holds. */
  readonly snapshotLimit: number
}

/** WebSocket close codes the hub uses (RFC 6455). */
export const ORDER_FEED_CLOSE_CODES = { GOING_AWAY: 1001, POLICY_VIOLATION: 1008, TOO_BIG: 1009 } as const

type Subscription =
  | { readonly kind: 'customer'; readonly customerId: string }
  | { readonly kind: 'orders'; readonly orderIds: ReadonlySet<string> }

interface Client {
  readonly socket: WebSocket
  /** The customer the token is limited to, or null for staff and service tokens. */
  readonly ownCustomer: string | null
  subscription: Subscription | null
  /** Bumped on every subscribe and unsubscribe: a snapshot read for an older one is dropped. */
  generation: number
  /** Reading the snapshot: changes meanwhile wait in `pending` and go after it. */
  snapshotting: boolean
  /** Newest change per order not sent yet (conflated while the client is slow). */
  pending: Map<string, OrderStatusChange>
  alive: boolean
  tokens: number
  refilledAt: number
}

export interface OrderHubStats {
  readonly clients: number
  /** Clients skipped at the last flush because their socket was over the high-water mark. */
  readonly laggingClients: number
  /** Order statuses sent in update frames, summed over clients. */
  readonly sent: number
}

/**
 * The live feed of order status: a client subscribes to a customer's orders or to order ids, gets a
 * snapshot from the read model, then the changes that follow, conflated per order and sent every flush.
 * A client that stops reading holds at most one pending change per order it follows, then is closed.
 */
export class OrderHub {
  private readonly clients = new Set<Client>()
  private readonly byCustomer = new Map<string, Set<Client>>()
  private readonly byOrder = new Map<string, Set<Client>>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly unsubscribe: () => void
  private lagging = 0
  private sent = 0

  constructor(
    feed: OrderStatusFeed,
    private readonly orders: Pick<CommerceReadModel, 'getOrder' | 'listOrders'>,
    private readonly options: OrderHubOptions,
  ) {
    this.unsubscribe = feed.subscribe((change) => this.onChange(change))
    this.timers.push(setInterval(() => this.flush(), options.flushIntervalMs))
    this.timers.push(setInterval(() => this.heartbeat(), options.heartbeatIntervalMs))
  }

  stats(): OrderHubStats {
    return { clients: this.clients.size, laggingClients: this.lagging, sent: this.sent }
  }

  attach(socket: WebSocket, ownCustomer: string | null): void {
    const client: Client = {
      socket,
      ownCustomer,
      subscription: null,
      generation: 0,
      snapshotting: false,
      pending: new Map(),
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
        this.send(client, {
          type: 'error',
          code: 'TOO_LARGE',
          message: `a message may be at most ${MAX_CLIENT_MESSAGE_BYTES} bytes (this one: ${size})`,
        })
        socket.close(ORDER_FEED_CLOSE_CODES.TOO_BIG, `message over ${MAX_CLIENT_MESSAGE_BYTES} bytes`)
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
          if ('customerId' in message) {
            if (client.ownCustomer !== null && client.ownCustomer !== message.customerId) {
              this.send(client, {
                type: 'error',
                code: 'FORBIDDEN',
                message: `this token may follow customer ${client.ownCustomer}'s orders only`,
              })
              return
            }
            this.subscribe(client, { kind: 'customer', customerId: message.customerId })
          } else this.subscribe(client, { kind: 'orders', orderIds: new Set(message.orderIds) })
          return
        }
        case 'unsubscribe':
          this.subscribe(client, null)
          return
        case 'ping':
          this.send(client, { type: 'pong' })
          return
      }
    })
    const gone = (): void => {
      this.subscribe(client, null)
      this.clients.delete(client)
    }
    socket.on('close', gone)
    socket.on('error', gone)
  }

  private subscribe(client: Client, subscription: Subscription | null): void {
    this.index(client, false)
    client.subscription = subscription
    client.generation++
    client.pending = new Map()
    client.snapshotting = subscription !== null
    this.index(client, true)
    if (subscription === null) return
    this.send(client, {
      type: 'subscribed',
      customerId: subscription.kind === 'customer' ? subscription.customerId : null,
      orderIds: subscription.kind === 'orders' ? [...subscription.orderIds] : null,
    })
    void this.snapshot(client, subscription, client.generation)
  }

  /** Reads the snapshot, sends it, then lets the changes that arrived meanwhile follow (newer ones only). */
  private async snapshot(client: Client, subscription: Subscription, generation: number): Promise<void> {
    let orders: OrderView[]
    try {
      orders =
        subscription.kind === 'customer'
          ? [
              ...(
                await this.orders.listOrders({
                  customerId: subscription.customerId,
                  limit: this.options.snapshotLimit,
                })
              ).items,
            ]
          : (await Promise.all([...subscription.orderIds].map((id) => this.orders.getOrder(id)))).filter(
              (o): o is OrderView => o !== undefined && this.visible(client, o.customerId),
            )
    } catch {
      if (client.generation === generation)
        this.send(client, {
          type: 'error',
          code: 'UNAVAILABLE',
          message: 'the orders could not be read; subscribe again',
        })
      return
    }
    if (client.generation !== generation) return
    for (const order of orders) {
      const waiting = client.pending.get(order.orderId)
      if (waiting !== undefined && waiting.version <= order.version) client.pending.delete(order.orderId)
    }
    client.snapshotting = false
    this.write(
      client,
      JSON.stringify({ type: 'snapshot', orders: orders.map((o) => orderStatusJson(statusOf(o))) }),
    )
  }

  private visible(client: Client, customerId: string): boolean {
    return client.ownCustomer === null || client.ownCustomer === customerId
  }

  private index(client: Client, add: boolean): void {
    const s = client.subscription
    if (s === null) return
    const keys = s.kind === 'customer' ? [s.customerId] : [...s.orderIds]
    const map = s.kind === 'customer' ? this.byCustomer : this.byOrder
    for (const key of keys) {
      let set = map.get(key)
      if (add) {
        if (set === undefined) map.set(key, (set = new Set()))
        set.add(client)
      } else if (set !== undefined) {
        set.delete(client)
        if (set.size === 0) map.delete(key)
      }
    }
  }

  private onChange(change: OrderStatusChange): void {
    const targets = [
      ...(this.byCustomer.get(change.customerId) ?? []),
      ...(this.byOrder.get(change.orderId) ?? []),
    ]
    for (const client of targets) {
      if (!this.visible(client, change.customerId)) continue
      const held = client.pending.get(change.orderId)
      if (held !== undefined && held.version > change.version) continue
      client.pending.set(change.orderId, change)
      if (client.pending.size > this.options.maxPendingOrders) {
        client.socket.close(
          ORDER_FEED_CLOSE_CODES.POLICY_VIOLATION,
          `not reading: over ${this.options.maxPendingOrders} orders pending`,
        )
        this.subscribe(client, null)
      }
    }
  }

  private flush(): void {
    let lagging = 0
    for (const client of this.clients) {
      if (client.snapshotting || client.pending.size === 0) continue
      if (client.socket.readyState !== client.socket.OPEN) continue
      if (client.socket.bufferedAmount > this.options.highWaterMarkBytes) {
        lagging++
        continue
      }
      const orders = [...client.pending.values()].map(orderStatusJson)
      client.pending = new Map()
      this.write(client, JSON.stringify({ type: 'update', orders }))
      this.sent += orders.length
    }
    this.lagging = lagging
  }

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
        ORDER_FEED_CLOSE_CODES.POLICY_VIOLATION,
        `rate limit: at most ${messagesPerSecond} messages a second`,
      )
    return false
  }

  private heartbeat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate()
        this.subscribe(client, null)
        this.clients.delete(client)
        continue
      }
      client.alive = false
      client.socket.ping()
      if (client.socket.bufferedAmount <= this.options.highWaterMarkBytes)
        this.send(client, { type: 'heartbeat', at: Date.now() })
    }
  }

  /** Small answers are not conflated: a client that keeps sending without reading is closed. */
  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== client.socket.OPEN) return
    if (client.socket.bufferedAmount > this.options.maxQueuedBytes) {
      client.socket.close(
        ORDER_FEED_CLOSE_CODES.POLICY_VIOLATION,
        `not reading: over ${this.options.maxQueuedBytes} bytes queued`,
      )
      return
    }
    this.write(client, JSON.stringify(message))
  }

  private write(client: Client, frame: string): void {
    if (client.socket.readyState !== client.socket.OPEN) return
    client.socket.send(frame, { binary: false })
  }

  close(): void {
    this.unsubscribe()
    for (const t of this.timers) clearInterval(t)
    for (const c of this.clients) c.socket.close(ORDER_FEED_CLOSE_CODES.GOING_AWAY, 'server shutting down')
    this.clients.clear()
    this.byCustomer.clear()
    this.byOrder.clear()
  }
}
