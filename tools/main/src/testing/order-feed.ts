import WebSocket from 'ws'

/** One order status as the live feed sent it (snapshot or update). */
export interface FeedStatus {
  readonly orderId: string
  readonly customerId: string
  readonly state: string
  readonly version: number
}

/**
 * A client of `/ws/orders` that keeps every order status it is sent, in arrival order, and every error
 * frame: what a dashboard following orders would have seen.
 */
export class OrderFeedRecorder {
  readonly statuses = new Map<string, FeedStatus[]>()
  readonly errors: unknown[] = []
  private subscribed?: Promise<void>

  private constructor(private readonly socket: WebSocket) {}

  static async open(url: string, headers: Record<string, string>): Promise<OrderFeedRecorder> {
    const socket = new WebSocket(url, { headers })
    const recorder = new OrderFeedRecorder(socket)
    socket.on('message', (data) => recorder.receive(data.toString()))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return recorder
  }

  /** Subscribes and resolves once the server confirmed it. */
  subscribe(to: { customerId: string } | { orderIds: readonly string[] }): Promise<void> {
    this.subscribed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no subscribed frame within 10 s')), 10_000)
      this.onSubscribed = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.socket.send(JSON.stringify({ type: 'subscribe', ...to }))
    return this.subscribed
  }

  private onSubscribed: () => void = () => {}

  private receive(text: string): void {
    const frame = JSON.parse(text) as { type: string; orders?: FeedStatus[] }
    if (frame.type === 'subscribed') this.onSubscribed()
    else if (frame.type === 'error') this.errors.push(frame)
    else if (frame.type === 'snapshot' || frame.type === 'update')
      for (const order of frame.orders ?? []) {
        const seen = this.statuses.get(order.orderId) ?? []
        seen.push({
          orderId: order.orderId,
          customerId: order.customerId,
          state: order.state,
          version: order.version,
        })
        this.statuses.set(order.orderId, seen)
      }
  }

  /** The newest state sent for an order, if any. */
  latest(orderId: string): string | undefined {
    return this.statuses.get(orderId)?.at(-1)?.state
  }

  close(): void {
    this.socket.close()
  }
}

/**
 * What is wrong with the statuses one order was sent: a version sent twice or going back, or a state
 * entered twice (a transition repeated). The feed conflates, so a client may skip an intermediate
 * status, never see one twice.
 */
export function feedProblems(orderId: string, seen: readonly FeedStatus[]): string[] {
  const problems: string[] = []
  for (let i = 1; i < seen.length; i++) {
    const before = seen[i - 1] as FeedStatus
    const now = seen[i] as FeedStatus
    if (now.version <= before.version)
      problems.push(`${orderId}: version ${now.version} after ${before.version}`)
  }
  const entered = seen.map((s) => s.state).filter((state, i, all) => i === 0 || all[i - 1] !== state)
  if (new Set(entered).size !== entered.length) problems.push(`${orderId}: states ${entered.join(' → ')}`)
  return problems
}
