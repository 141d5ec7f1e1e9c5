import type {
  AdjustmentReason,
  OrderId,
  ProductId,
  ReleaseReason,
  StockCommand,
  WarehouseId,
} from '@oxagry/avro'

// Builders of stock commands as the contract wraps them, for senders (warehouse tools, tests) that
// would otherwise spell the union branch names out.

interface Envelope {
  readonly commandId: string
  readonly productId: string
  readonly warehouseId: string
  readonly occurredAt: number
}

function command(e: Envelope, payload: StockCommand['payload']): StockCommand {
  return {
    commandId: e.commandId,
    productId: e.productId as ProductId,
    warehouseId: e.warehouseId as WarehouseId,
    occurredAt: e.occurredAt,
    payload,
  }
}

export function adjustStock(
  e: Envelope,
  a: { reason: AdjustmentReason; delta: number; reference?: string | null },
): StockCommand {
  return command(e, {
    'dev.oxagry.inventory.AdjustStock': { reason: a.reason, delta: a.delta, reference: a.reference ?? null },
  })
}

export function reserveStock(
  e: Envelope,
  r: { orderId: string; quantity: number; lineCount: number; expiresAt: number },
): StockCommand {
  return command(e, { 'dev.oxagry.inventory.ReserveStock': { ...r, orderId: r.orderId as OrderId } })
}

export function confirmReservation(e: Envelope, orderId: string): StockCommand {
  return command(e, { 'dev.oxagry.inventory.ConfirmReservation': { orderId: orderId as OrderId } })
}

export function releaseReservation(e: Envelope, orderId: string, reason: ReleaseReason): StockCommand {
  return command(e, {
    'dev.oxagry.inventory.ReleaseReservation': { orderId: orderId as OrderId, reason },
  })
}
