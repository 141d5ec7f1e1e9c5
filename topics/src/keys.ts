import type {
  BookingId,
  GeofenceId,
  MachineId,
  MachineType,
  OrderId,
  ProductId,
  WarehouseId,
} from '@oxagry/avro'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'

/**
 * Record keys are plain UTF-8 strings, not Avro. The default partitioner hashes the key bytes, so the
 * bytes of one logical key must never change: a Confluent-framed key embeds the schema id, and the same
 * order id registered again (another registry, a new key schema version) would hash to another
 * partition and leave two entries in a compacted topic. Strings are also what kcat, Connect's
 * StringConverter and every language's default serializer produce, and cost no registry lookup.
 */
export const KEY_FORMATS = {
  orderId: { description: 'orderId (UUID)', example: '6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f' },
  productId: { description: 'productId', example: 'SEED-WHEAT-25KG' },
  productWarehouse: { description: 'productId|warehouseId', example: 'SEED-WHEAT-25KG|wh-north' },
  machineId: { description: 'machineId', example: 'MF-8S-00042' },
  geofenceId: { description: 'geofenceId', example: 'gf-north-field' },
  bookingId: { description: 'bookingId (UUID)', example: '5e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9' },
  machineType: { description: 'machineType (TRACTOR, COMBINE, ...)', example: 'TRACTOR' },
  recipientId: { description: 'recipientId (customer id, or operator:<id>)', example: 'farm-0042' },
  notificationId: { description: 'notificationId (UUID)', example: '7d3f2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b9' },
  deadLetter: { description: 'sourceTopic:partition:offset', example: 'fleet.machine-pings.v1:7:1048576' },
} as const

export type KeyFormat = keyof typeof KEY_FORMATS

/** `|` cannot occur in a product or warehouse id (their brands refuse it), so the key splits back. */
const SEPARATOR = '|'

export function orderKey(id: OrderId): string {
  return id
}

export function productKey(id: ProductId): string {
  return id
}

export function machineKey(id: MachineId): string {
  return id
}

export function geofenceKey(id: GeofenceId): string {
  return id
}

export function bookingKey(id: BookingId): string {
  return id
}

export function machineTypeKey(type: MachineType): string {
  return type
}

export function stockKey(productId: ProductId, warehouseId: WarehouseId): string {
  return `${productId}${SEPARATOR}${warehouseId}`
}

export function parseStockKey(key: string): { productId: ProductId; warehouseId: WarehouseId } {
  const parts = key.split(SEPARATOR)
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new TopicsError(
      TOPICS_ERROR_CODES.INVALID_KEY,
      `stock key must be productId|warehouseId, got ${JSON.stringify(key)}`,
    )
  }
  return { productId: parts[0] as ProductId, warehouseId: parts[1] as WarehouseId }
}

/** Dead letters are keyed by where the record came from: unique, and spread over partitions. */
export function deadLetterKey(sourceTopic: string, partition: number, offset: number | string): string {
  return `${sourceTopic}:${partition}:${offset}`
}
