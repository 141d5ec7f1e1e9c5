// Generated from the .avsc files by `npm run -w @oxagry/avro codegen`. Do not edit.
import { defineContract } from '../contract.ts'
import type {
  GeofenceTransition,
  Geofence,
  MachinePing,
  MachinePosition,
  MachineSession,
  StockEvent,
  StockLevel,
  OrderEvent,
  OrderStatus,
  PaymentEvent,
  DeadLetter,
} from './types.ts'

/** Every top-level record, one per .avsc file, by its TypeScript name. */
export const Contracts = {
  /** A machine crossed a geofence boundary. Keyed by machineId so the transitions of a machine stay in order. */
  GeofenceTransition: defineContract<GeofenceTransition>(
    'fleet/geofence-transition.avsc',
    'dev.oxagry.fleet.GeofenceTransition',
  ),
  /** A field, yard or depot drawn on the map. Compacted and keyed by geofenceId; a tombstone removes it. Read as a global table by the location processors. */
  Geofence: defineContract<Geofence>('fleet/geofence.avsc', 'dev.oxagry.fleet.Geofence'),
  /** One GPS fix from a machine's telematics unit. Keyed by machineId; pings of one machine arrive in order on one partition, but units resend after a lost connection, so pingId and sequence exist to deduplicate and reorder. */
  MachinePing: defineContract<MachinePing>('fleet/machine-ping.avsc', 'dev.oxagry.fleet.MachinePing'),
  /** Where a machine is now: its latest accepted ping with the geofences it is inside. Compacted and keyed by machineId; what the live map shows. */
  MachinePosition: defineContract<MachinePosition>(
    'fleet/machine-position.avsc',
    'dev.oxagry.fleet.MachinePosition',
  ),
  /** A trip (moving) or an idle period (engine on, standing) of one machine, built from its pings. Emitted while open and once when closed; keyed by machineId. */
  MachineSession: defineContract<MachineSession>(
    'fleet/machine-session.avsc',
    'dev.oxagry.fleet.MachineSession',
  ),
  /** A change to the stock of one product in one warehouse. Keyed by productId|warehouseId so a stock level folds its events in order. */
  StockEvent: defineContract<StockEvent>('inventory/stock-event.avsc', 'dev.oxagry.inventory.StockEvent'),
  /** The current stock of one product in one warehouse, folded from its stock events. Compacted and keyed by productId|warehouseId. */
  StockLevel: defineContract<StockLevel>('inventory/stock-level.avsc', 'dev.oxagry.inventory.StockLevel'),
  /** One step in an order's life, in the order it happened. Keyed by orderId so every event of an order lands on one partition and is read in sequence. */
  OrderEvent: defineContract<OrderEvent>('orders/order-event.avsc', 'dev.oxagry.orders.OrderEvent'),
  /** The current state of an order, folded from its order and payment events. Compacted and keyed by orderId: the latest record is the truth. */
  OrderStatus: defineContract<OrderStatus>('orders/order-status.avsc', 'dev.oxagry.orders.OrderStatus'),
  /** A step of a payment for an order. Keyed by orderId, not paymentId, so payments are co-partitioned with the order events they join. */
  PaymentEvent: defineContract<PaymentEvent>(
    'payments/payment-event.avsc',
    'dev.oxagry.payments.PaymentEvent',
  ),
  /** A record a stream application could not process, with its original bytes and why. Keyed by sourceTopic:partition:offset. Replaying means producing key and value back to sourceTopic. */
  DeadLetter: defineContract<DeadLetter>('platform/dead-letter.avsc', 'dev.oxagry.platform.DeadLetter'),
} as const

export type ContractName = keyof typeof Contracts
