import {
  Contracts,
  createAvroSerde,
  nameUuid,
  type AvroContract,
  type ConfluentSchemaRegistry,
  type OrderEvent,
  type OrderStatus,
  type PaymentEvent,
  type StockEvent,
  type StockLevel,
} from '@oxagry/avro'
import { readTopic, type KafkaBackend, type Serde } from '@oxagry/kafka'
import { PaymentLedger } from '@oxagry/payments'
import type { CommerceRecords } from './invariants.ts'
import type { CommerceTopicNames } from './topics.ts'

/** Every Avro value of a topic, read committed from the start to its end; other bytes are skipped. */
export async function decodeAll<T>(backend: KafkaBackend, serde: Serde<T>, topic: string): Promise<T[]> {
  const out: T[] = []
  for (const r of await readTopic(backend, topic))
    if (r.value !== null && r.value[0] === 0) out.push(await serde.deserialize(topic, r.value, r.headers))
  return out
}

/**
 * Every commerce topic of a run read back, and the simulated provider's books (its ledger at
 * `ledgerPath`) per order: what the crash test and the fault suite check the invariants over.
 */
export async function readCommerceLog(
  backend: KafkaBackend,
  registry: ConfluentSchemaRegistry,
  names: CommerceTopicNames,
  ledgerPath: string,
): Promise<CommerceRecords> {
  const serde = <T>(contract: AvroContract<T>): Promise<Serde<T>> => createAvroSerde({ registry, contract })
  const orderEvents = await decodeAll<OrderEvent>(
    backend,
    await serde(Contracts.OrderEvent),
    names.orderEvents,
  )
  const ledger = await PaymentLedger.open(ledgerPath)
  const balances = ledger.all()
  await ledger.close()
  const providerLedger = new Map<string, { captured: number; refunded: number }>()
  for (const e of orderEvents) {
    const b = balances.get(nameUuid(`payment:${e.orderId}:1`))
    if (b !== undefined)
      providerLedger.set(e.orderId, { captured: b.capturedMinor, refunded: b.refundedMinor })
  }
  return {
    orderEvents,
    orderStatus: await decodeAll<OrderStatus>(backend, await serde(Contracts.OrderStatus), names.orderStatus),
    stockEvents: await decodeAll<StockEvent>(backend, await serde(Contracts.StockEvent), names.stockEvents),
    stockLevels: await decodeAll<StockLevel>(backend, await serde(Contracts.StockLevel), names.stockLevels),
    paymentEvents: await decodeAll<PaymentEvent>(
      backend,
      await serde(Contracts.PaymentEvent),
      names.paymentEvents,
    ),
    providerLedger,
  }
}
