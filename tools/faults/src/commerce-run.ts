import {
  Contracts,
  createAvroSerde,
  nameUuid,
  type ConfluentSchemaRegistry,
  type OrderCommand,
  type OrderStatus,
} from '@oxagry/avro'
import { readTopic, type KafkaBackend } from '@oxagry/kafka'
import {
  checkCommerceInvariants,
  decodeAll,
  readCommerceLog,
  type CommerceTopicNames,
  type InvariantReport,
} from '@oxagry/main/commerce'
import { account, tally, type Delivery } from './accounting.ts'
import { sleep } from './wait.ts'

// What the crash test (tools/main/src/commerce/crash.integration.test.ts) does once its traffic ends:
// deliver every confirmed order until every order is terminal, then read every topic back and check the
// commerce invariants over it.

const kind = (payload: object): string => Object.keys(payload)[0]?.split('.').pop() ?? '?'

/** Reports each confirmed order delivered until every placed order is terminal or the time is up. */
export async function deliverUntilTerminal(
  backend: KafkaBackend,
  registry: ConfluentSchemaRegistry,
  names: CommerceTopicNames,
  settleMs: number,
): Promise<{ pending: number }> {
  const statusSerde = await createAvroSerde({ registry, contract: Contracts.OrderStatus })
  const commandSerde = await createAvroSerde({
    registry,
    contract: Contracts.OrderCommand,
    topics: [names.orderCommands],
  })
  const producer = await backend.producer({ clientId: `${names.orderCommands}-delivery` })
  const delivered = new Set<string>()
  const deadline = Date.now() + settleMs
  let pending = Infinity
  try {
    while (Date.now() < deadline && pending > 0) {
      await sleep(2000)
      const latest = new Map<string, OrderStatus>()
      for (const s of await decodeAll(backend, statusSerde, names.orderStatus)) {
        const before = latest.get(s.orderId)
        if (before === undefined || s.version >= before.version) latest.set(s.orderId, s)
      }
      const placed = new Set(
        (await readTopic(backend, names.orderEvents)).map((r) => r.key?.toString() ?? ''),
      )
      pending =
        placed.size -
        [...latest.values()].filter((s) => s.state === 'COMPLETED' || s.state === 'CANCELLED').length
      for (const s of latest.values()) {
        if (s.state !== 'CONFIRMED' || delivered.has(s.orderId)) continue
        delivered.add(s.orderId)
        const command: OrderCommand = {
          commandId: nameUuid(`faults-delivery:${s.orderId}`),
          orderId: s.orderId,
          occurredAt: Date.now(),
          payload: { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: Date.now() } },
        }
        await producer.send([
          {
            topic: names.orderCommands,
            key: Buffer.from(s.orderId),
            value: await commandSerde.serialize(names.orderCommands, command, {}),
            timestamp: Date.now(),
            headers: {},
          },
        ])
      }
    }
  } finally {
    await producer.close()
  }
  return { pending }
}

export interface CommerceOutcome {
  readonly report: InvariantReport
  readonly deliveries: Readonly<Record<string, Delivery>>
}

/** Every commerce topic read back (read committed), the provider's books, and the invariants over them. */
export async function checkCommerce(
  backend: KafkaBackend,
  registry: ConfluentSchemaRegistry,
  names: CommerceTopicNames,
  ledgerPath: string,
): Promise<CommerceOutcome> {
  const log = await readCommerceLog(backend, registry, names, ledgerPath)
  const { orderEvents, orderStatus, paymentEvents } = log
  const report = checkCommerceInvariants(log)
  const placed = orderEvents.filter((e) => kind(e.payload) === 'OrderPlaced').map((e) => e.orderId)
  const latest = new Map<string, OrderStatus>()
  for (const s of orderStatus) {
    const before = latest.get(s.orderId)
    if (before === undefined || s.version >= before.version) latest.set(s.orderId, s)
  }
  const terminal = [...latest.values()]
    .filter((s) => s.state === 'COMPLETED' || s.state === 'CANCELLED')
    .map((s) => s.orderId)
  const confirmations = orderEvents.filter((e) => kind(e.payload) === 'OrderConfirmed').map((e) => e.orderId)
  const captures = paymentEvents.filter((e) => kind(e.payload) === 'PaymentCaptured').map((e) => e.orderId)
  return {
    report,
    deliveries: {
      'orders placed → terminal (order-status)': account(placed, tally(terminal)),
      'order confirmations (order-events)': account(confirmations, tally(confirmations)),
      'payment captures (payment-events)': account(captures, tally(captures)),
    },
  }
}
