import {
  Contracts,
  createAvroSerde,
  type AvroContract,
  type MachineSession,
  type OrderEvent,
  type OrderStatus,
  type PaymentEvent,
  type Product,
  type SchemaRegistryClient,
  type StockEvent,
} from '@oxagry/avro'
import { sessionVersion } from '@oxagry/clickhouse'
import { readTopic, type KafkaBackend } from '@oxagry/kafka'

/**
 * What the topics say, decoded and deduplicated the way a reader of the event log would: events once
 * per eventId (first seen), the latest status per order (highest version), the latest product per id
 * (last record), the latest version of each session. The analysts' figures are computed from this,
 * independently of ClickHouse.
 */
export interface EventLog {
  readonly orderEvents: readonly OrderEvent[]
  readonly orderStatus: ReadonlyMap<string, OrderStatus>
  readonly paymentEvents: readonly PaymentEvent[]
  readonly stockEvents: readonly StockEvent[]
  readonly products: ReadonlyMap<string, Product>
  readonly sessions: ReadonlyMap<string, MachineSession>
}

export interface EventLogTopics {
  readonly orderEvents: string
  readonly orderStatus: string
  readonly paymentEvents: string
  readonly stockEvents: string
  readonly products: string
  readonly sessions: string
}

async function decodeTopic<T>(
  backend: KafkaBackend,
  registry: SchemaRegistryClient,
  contract: AvroContract<T>,
  topic: string,
): Promise<T[]> {
  const serde = await createAvroSerde<T>({ registry, contract })
  const out: T[] = []
  for (const record of await readTopic(backend, topic))
    if (record.value !== null) out.push(await serde.deserialize(topic, record.value, record.headers))
  return out
}

function firstByEventId<T extends { readonly eventId: string }>(events: readonly T[]): T[] {
  const seen = new Map<string, T>()
  for (const e of events) if (!seen.has(e.eventId)) seen.set(e.eventId, e)
  return [...seen.values()]
}

export async function readEventLog(
  backend: KafkaBackend,
  registry: SchemaRegistryClient,
  topics: EventLogTopics,
): Promise<EventLog> {
  const [orderEvents, statuses, paymentEvents, stockEvents, products, sessions] = await Promise.all([
    decodeTopic<OrderEvent>(backend, registry, Contracts.OrderEvent, topics.orderEvents),
    decodeTopic<OrderStatus>(backend, registry, Contracts.OrderStatus, topics.orderStatus),
    decodeTopic<PaymentEvent>(backend, registry, Contracts.PaymentEvent, topics.paymentEvents),
    decodeTopic<StockEvent>(backend, registry, Contracts.StockEvent, topics.stockEvents),
    decodeTopic<Product>(backend, registry, Contracts.Product, topics.products),
    decodeTopic<MachineSession>(backend, registry, Contracts.MachineSession, topics.sessions),
  ])
  const orderStatus = new Map<string, OrderStatus>()
  for (const s of statuses) {
    const before = orderStatus.get(s.orderId)
    if (before === undefined || s.version >= before.version) orderStatus.set(s.orderId, s)
  }
  const latestSessions = new Map<string, MachineSession>()
  for (const s of sessions) {
    const before = latestSessions.get(s.sessionId)
    if (before === undefined || sessionVersion(s) >= sessionVersion(before))
      latestSessions.set(s.sessionId, s)
  }
  return {
    orderEvents: firstByEventId(orderEvents),
    orderStatus,
    paymentEvents: firstByEventId(paymentEvents),
    stockEvents: firstByEventId(stockEvents),
    products: new Map(products.map((p) => [p.productId, p])),
    sessions: latestSessions,
  }
}
