import { simulatedCatalogue, WAREHOUSES } from '@oxagry/simulator'
import autocannon from 'autocannon'
import { percentile, prng } from '../stats.ts'
import type { RestPlatform } from './rest-platform.ts'

/** What a client of the marketplace may order: the simulated catalogue without rental days. */
const GOODS = simulatedCatalogue().filter((p) => p.category !== 'MACHINERY_RENTAL')

export interface RestLatencyResult {
  readonly rate: number
  readonly orders: number
  readonly confirmed: number
  /** POST sent → the `GET …?waitFor=decision` answered CONFIRMED, over confirmed orders. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** POST sent → 202. */
  readonly postP50Ms: number
  readonly postP99Ms: number
  /**
   * The confirmed orders' wait in two parts, when the run followed the status topic: POST sent → the
   * decision readable in Kafka (the stream processors), then → answered over REST (the view the API reads).
   */
  readonly decisionP50Ms?: number
  readonly decisionP99Ms?: number
  readonly viewP50Ms?: number
  readonly viewP99Ms?: number
  /** Answers other than a decided order: 202s refused, waits timed out, other decisions. */
  readonly failures: Readonly<Record<string, number>>
}

export interface RestReadResult {
  readonly route: 'order-by-id' | 'stock'
  readonly connections: number
  readonly seconds: number
  readonly requestsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly non2xx: number
  readonly errors: number
}

/**
 * Enough stock of every good in every warehouse that no checkout of the run is short, through the API's
 * own adjustment route, then waits until the last adjustment is readable.
 */
export async function stockUp(platform: RestPlatform, runId: string): Promise<void> {
  for (const product of GOODS)
    for (const warehouse of WAREHOUSES) {
      const answer = await platform.request(
        'POST',
        '/api/v1/inventory/adjustments',
        { productId: product.productId, warehouseId: warehouse, reason: 'RECEIPT', delta: 100_000_000 },
        { 'idempotency-key': `${runId}-${product.productId}-${warehouse}` },
      )
      if (answer.status !== 202)
        throw new Error(`stock adjustment: ${answer.status} ${JSON.stringify(answer.body)}`)
    }
  const last = GOODS.at(-1)
  const warehouse = WAREHOUSES.at(-1)
  const deadline = Date.now() + 60_000
  for (;;) {
    const answer = await platform.request(
      'GET',
      `/api/v1/inventory/stock?productId=${last?.productId}&warehouseId=${warehouse}`,
    )
    const stock = (answer.body as { stock?: { available?: number }[] }).stock ?? []
    if ((stock[0]?.available ?? 0) >= 100_000_000) return
    if (Date.now() > deadline)
      throw new Error(`stock not readable within 60 s: ${JSON.stringify(answer.body)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** A checkout of 1-3 goods at catalogue prices, from one of 500 customers. */
function checkout(random: () => number, n: number) {
  const lines = 1 + Math.floor(random() * 3)
  return {
    customerId: `farm-${String(n % 500).padStart(4, '0')}`,
    currency: 'EUR',
    items: Array.from({ length: lines }, (_, i) => {
      const product = GOODS[(n + i * 7) % GOODS.length]!
      return {
        productId: product.productId,
        warehouseId: WAREHOUSES[Math.floor(random() * WAREHOUSES.length)]!,
        quantity: 1 + Math.floor(random() * 3),
        unitPriceMinor: product.unitPriceMinor,
      }
    }),
    deliveryLocation: { latitude: 52 + random(), longitude: 9 + random() },
  }
}

/**
 * Checkouts at `rate` per second for `seconds` (open loop: each is sent when due, whatever the others are
 * doing), each one POSTed and then read back with `waitFor=decision` as a client would: the time from
 * sending the POST until the GET answers CONFIRMED is the latency a client sees.
 */
export async function restLatency(
  platform: RestPlatform,
  options: {
    rate: number
    seconds: number
    runId: string
    /** orderId → performance.now() when its decision was readable in Kafka (`DecisionFollower`). */
    decided?: ReadonlyMap<string, number>
  },
): Promise<{ result: RestLatencyResult; orderIds: string[] }> {
  const random = prng(7)
  const latencies: number[] = []
  const confirmed: { orderId: string; sent: number; answered: number }[] = []
  const posts: number[] = []
  const failures: Record<string, number> = {}
  const orderIds: string[] = []
  const fail = (why: string): void => {
    failures[why] = (failures[why] ?? 0) + 1
  }
  const one = async (n: number): Promise<void> => {
    const sent = performance.now()
    const placed = await platform.request('POST', '/api/v1/orders', checkout(random, n), {
      'idempotency-key': `${options.runId}-${n}`,
    })
    posts.push(performance.now() - sent)
    if (placed.status !== 202) return fail(`POST ${placed.status}`)
    const { orderId } = placed.body as { orderId: string }
    orderIds.push(orderId)
    const read = await platform.request('GET', `/api/v1/orders/${orderId}?waitFor=decision&timeoutMs=30000`)
    const state = (read.body as { state?: string }).state
    if (read.status !== 200) return fail(`GET ${read.status}`)
    if (read.headers.get('oxagry-wait') !== 'satisfied') return fail('wait timed out')
    if (state !== 'CONFIRMED') return fail(`decided ${state}`)
    const answered = performance.now()
    latencies.push(answered - sent)
    confirmed.push({ orderId, sent, answered })
  }
  const pending: Promise<void>[] = []
  const start = performance.now()
  let sent = 0
  while (performance.now() - start < options.seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * options.rate)
    for (; sent < due; sent++) pending.push(one(sent).catch((error: unknown) => fail(String(error))))
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await Promise.all(pending)
  // The follower reads behind the view at times: the decisions are looked up once it caught up.
  if (options.decided !== undefined) await new Promise((resolve) => setTimeout(resolve, 1_000))
  const decisionParts: number[] = []
  const viewParts: number[] = []
  for (const c of confirmed) {
    const inKafka = options.decided?.get(c.orderId)
    if (inKafka === undefined) continue
    decisionParts.push(inKafka - c.sent)
    viewParts.push(c.answered - inKafka)
  }
  return {
    orderIds,
    result: {
      rate: options.rate,
      orders: sent,
      confirmed: latencies.length,
      p50Ms: latencies.length === 0 ? NaN : Math.round(percentile(latencies, 50)),
      p99Ms: latencies.length === 0 ? NaN : Math.round(percentile(latencies, 99)),
      postP50Ms: Math.round(percentile(posts, 50)),
      postP99Ms: Math.round(percentile(posts, 99)),
      ...(decisionParts.length === 0
        ? {}
        : {
            decisionP50Ms: Math.round(percentile(decisionParts, 50)),
            decisionP99Ms: Math.round(percentile(decisionParts, 99)),
            viewP50Ms: Math.round(percentile(viewParts, 50)),
            viewP99Ms: Math.round(percentile(viewParts, 99)),
          }),
      failures,
    },
  }
}

/**
 * Reads as fast as `connections` keep-alive clients can ask (autocannon, in this process, on the same
 * machine as the platform): orders by id from those the latency run placed, or stock lookups of a product
 * in a warehouse, each request picking its id at random.
 */
export async function restReads(
  platform: RestPlatform,
  options: {
    route: RestReadResult['route']
    orderIds: readonly string[]
    connections: number
    seconds: number
  },
): Promise<RestReadResult> {
  const random = prng(11)
  const path = (): string => {
    if (options.route === 'order-by-id')
      return `/api/v1/orders/${options.orderIds[Math.floor(random() * options.orderIds.length)]}`
    const product = GOODS[Math.floor(random() * GOODS.length)]!
    const warehouse = WAREHOUSES[Math.floor(random() * WAREHOUSES.length)]!
    return `/api/v1/inventory/stock?productId=${product.productId}&warehouseId=${warehouse}`
  }
  const result = await autocannon({
    url: platform.url,
    connections: options.connections,
    duration: options.seconds,
    headers: { ...platform.headers },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  })
  return {
    route: options.route,
    connections: options.connections,
    seconds: options.seconds,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}
