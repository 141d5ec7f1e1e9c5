import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OrderValidation, Product, ProductId, StockCommand, StockEvent, StockLevel } from '@oxagry/avro'
import type { DeadLetter } from '@oxagry/avro'
import { readTopic, type KafkaBackend, type Serde } from '@oxagry/kafka'
import { stockKey } from '@oxagry/topics'
import { adjustStock, reserveStock } from './commands.ts'
import type { InventorySerdes, InventoryTopics } from './options.ts'

// End-to-end support shared by the embedded (memory broker) test and the Kafka integration test:
// topics, the competing-orders scenario, and the outputs read back decoded.

/**
 * A state directory of the test's own, removed after it: persistent stores keep a checkpoint on a clean
 * close, and one left from an earlier run would be restored on top of a fresh broker's empty changelog.
 */
export function freshStateDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-inventory-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function prefixedTopics(prefix: string): InventoryTopics {
  return {
    commands: `${prefix}.stock-commands`,
    products: `${prefix}.products`,
    events: `${prefix}.stock-events`,
    levels: `${prefix}.stock-levels`,
    validations: `${prefix}.order-validations`,
    deadLetters: `${prefix}.dead-letters`,
  }
}

export async function createTopics(backend: KafkaBackend, topics: InventoryTopics, partitions: number) {
  const admin = await backend.admin()
  try {
    await admin.createTopics(
      Object.values(topics).map((name) => ({
        name,
        partitions: name === topics.products ? 1 : partitions,
        config: {},
      })),
    )
  } finally {
    await admin.close()
  }
}

export const WAREHOUSE = 'wh-north'
export const SCARCE = 'SEED-WHEAT-25KG'
export const PLENTY = 'PART-OIL-FILTER'
export const ORDER_A = '0a000000-0000-4000-8000-00000000000a'
export const ORDER_B = '0b000000-0000-4000-8000-00000000000b'

/**
 * Five units of a scarce product (low-stock threshold 2) and ten of another; two orders of two lines,
 * each wanting four of the scarce one: the first to reach the scarce key gets them, the other is out
 * of stock. Then one record that is not a stock command at all.
 */
export async function sendCompetingOrders(
  backend: KafkaBackend,
  serdes: InventorySerdes,
  topics: InventoryTopics,
  startMs: number,
): Promise<void> {
  let n = 0
  const at = (productId: string) => ({
    commandId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    productId,
    warehouseId: WAREHOUSE,
    occurredAt: startMs + n,
  })
  const expiresAt = startMs + 3_600_000
  const commands: StockCommand[] = [
    adjustStock(at(SCARCE), { reason: 'RECEIPT', delta: 5, reference: 'delivery-1' }),
    adjustStock(at(PLENTY), { reason: 'RECEIPT', delta: 10, reference: 'delivery-1' }),
    reserveStock(at(SCARCE), { orderId: ORDER_A, quantity: 4, lineCount: 2, expiresAt }),
    reserveStock(at(PLENTY), { orderId: ORDER_A, quantity: 1, lineCount: 2, expiresAt }),
    reserveStock(at(PLENTY), { orderId: ORDER_B, quantity: 1, lineCount: 2, expiresAt }),
    reserveStock(at(SCARCE), { orderId: ORDER_B, quantity: 4, lineCount: 2, expiresAt }),
  ]
  const product = (productId: string, lowStockThreshold: number | null): Product => ({
    productId: productId as ProductId,
    name: productId,
    category: 'SEED',
    unit: 'unit',
    unitPriceMinor: 1000,
    currency: 'EUR' as Product['currency'],
    lowStockThreshold,
    active: true,
  })
  const producer = await backend.producer({ clientId: `e2e-${topics.commands}` })
  try {
    await producer.send(
      await Promise.all(
        [product(SCARCE, 2), product(PLENTY, null)].map(async (p) => ({
          topic: topics.products,
          key: Buffer.from(p.productId),
          value: await serdes.product.serialize(topics.products, p, {}),
          timestamp: startMs,
          headers: {},
        })),
      ),
    )
    await producer.send(
      await Promise.all(
        commands.map(async (c) => ({
          topic: topics.commands,
          key: Buffer.from(stockKey(c.productId, c.warehouseId)),
          value: await serdes.command.serialize(topics.commands, c, {}),
          timestamp: c.occurredAt,
          headers: {},
        })),
      ),
    )
    await producer.send([
      {
        topic: topics.commands,
        key: Buffer.from(stockKey(SCARCE as ProductId, WAREHOUSE as never)),
        value: Buffer.from('not avro'),
        timestamp: startMs + 100,
        headers: {},
      },
    ])
  } finally {
    await producer.close()
  }
}

/** Every committed record of a topic up to its current end (the Kafka package's). */
export { readTopic }

export interface Outputs {
  readonly events: StockEvent[]
  readonly levels: StockLevel[]
  readonly validations: OrderValidation[]
  readonly deadLetters: DeadLetter[]
}

export async function readOutputs(
  backend: KafkaBackend,
  serdes: InventorySerdes,
  topics: InventoryTopics,
): Promise<Outputs> {
  const read = async <T>(serde: Serde<T>, topic: string): Promise<T[]> => {
    const out: T[] = []
    for (const r of await readTopic(backend, topic))
      out.push(await serde.deserialize(topic, r.value as Buffer, r.headers))
    return out
  }
  return {
    events: await read(serdes.event, topics.events),
    levels: await read(serdes.level, topics.levels),
    validations: await read(serdes.validation, topics.validations),
    deadLetters: await read(serdes.deadLetter, topics.deadLetters),
  }
}

/** What the scenario's outputs come to, in one comparable shape. */
export function summarise(outputs: Outputs) {
  const final = new Map<string, StockLevel>()
  for (const l of outputs.levels) final.set(`${l.productId}|${l.warehouseId}`, l)
  return {
    validations: outputs.validations
      .map((v) => ({ orderId: v.orderId, check: v.check, passed: v.passed, reason: v.reason, note: v.note }))
      .sort((a, b) => a.orderId.localeCompare(b.orderId)),
    oversold: outputs.levels.filter((l) => l.reserved > l.onHand || l.available !== l.onHand - l.reserved)
      .length,
    final: Object.fromEntries(
      [...final].sort(([a], [b]) => a.localeCompare(b)).map(([k, l]) => [k, [l.onHand, l.reserved]]),
    ),
    lowStock: outputs.events.filter((e) => 'dev.oxagry.inventory.LowStock' in e.payload).length,
    deadLetters: outputs.deadLetters.map((d) => [d.stage, d.errorCode]),
  }
}

export function expectedSummary() {
  return {
    validations: [
      { orderId: ORDER_A, check: 'INVENTORY', passed: true, reason: null, note: null },
      {
        orderId: ORDER_B,
        check: 'INVENTORY',
        passed: false,
        reason: 'OUT_OF_STOCK',
        note: `out of stock: product ${SCARCE} at warehouse ${WAREHOUSE}: wanted 4, available 1`,
      },
    ],
    oversold: 0,
    final: { [`${PLENTY}|${WAREHOUSE}`]: [10, 2], [`${SCARCE}|${WAREHOUSE}`]: [5, 4] },
    lowStock: 1,
    deadLetters: [['DESERIALIZATION', 'OXA_AVRO_BAD_MAGIC_BYTE']],
  }
}
