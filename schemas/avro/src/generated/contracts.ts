// Generated from the .avsc files by `npm run -w @oxagry/avro codegen`. Do not edit.
import { defineContract } from '../contract.ts'
import type {
  BookingCommand,
  BookingEvent,
  GeofenceTransition,
  Geofence,
  MachinePing,
  MachinePosition,
  MachineSession,
  Machine,
  Product,
  StockCommand,
  StockEvent,
  StockLevel,
  NotificationDelivery,
  NotificationPreference,
  Notification,
  OrderCommand,
  OrderEvent,
  OrderStatus,
  OrderValidation,
  PaymentCommand,
  PaymentEvent,
  ProviderNotification,
  DeadLetter,
} from './types.ts'

/** Every top-level record, one per .avsc file, by its TypeScript name. */
export const Contracts = {
  /** A request about a machinery booking. Keyed by machine type: every booking of one type is decided by one task, which holds the calendars of all machines of that type, so two requests can never take the same machine for overlapping days. */
  BookingCommand: defineContract<BookingCommand>(
    'bookings/booking-command.avsc',
    'dev.oxagry.bookings.BookingCommand',
  ),
  /** One step in a machinery booking's life, in the order it happened. Keyed by bookingId. Written only by the bookings application: the assignment steps by the task that owns the machine type's calendars, the progress on the day by the task that owns the machine's positions. */
  BookingEvent: defineContract<BookingEvent>(
    'bookings/booking-event.avsc',
    'dev.oxagry.bookings.BookingEvent',
  ),
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
  /** A machine of the fleet as the fleet registry knows it: its type, where it is rented from and at what product. Compacted and keyed by machineId; a tombstone removes it. Read as a global table by the bookings application. */
  Machine: defineContract<Machine>('fleet/machine.avsc', 'dev.oxagry.fleet.Machine'),
  /** A catalogue product: what can be ordered, at what price, and when its stock counts as low. Compacted and keyed by productId; read whole as a global table. */
  Product: defineContract<Product>('inventory/product.avsc', 'dev.oxagry.inventory.Product'),
  /** A request to change the stock of one product in one warehouse. Keyed by productId|warehouseId, like the stock events the inventory application writes in answer: that application is the only writer of stock events, so a level is folded by one writer in order. */
  StockCommand: defineContract<StockCommand>(
    'inventory/stock-command.avsc',
    'dev.oxagry.inventory.StockCommand',
  ),
  /** A change to the stock of one product in one warehouse. Keyed by productId|warehouseId so a stock level folds its events in order. */
  StockEvent: defineContract<StockEvent>('inventory/stock-event.avsc', 'dev.oxagry.inventory.StockEvent'),
  /** The current stock of one product in one warehouse, folded from its stock events. Compacted and keyed by productId|warehouseId. */
  StockLevel: defineContract<StockLevel>('inventory/stock-level.avsc', 'dev.oxagry.inventory.StockLevel'),
  /** What became of one notification: sent by the channel provider, or given up. Keyed by notificationId; written by the channel worker in the transaction that commits the outbox record's offset, so there is one per outbox record; a notification in the outbox twice is answered the second time from the provider's record, never sent twice. */
  NotificationDelivery: defineContract<NotificationDelivery>(
    'notifications/notification-delivery.avsc',
    'dev.oxagry.notifications.NotificationDelivery',
  ),
  /** How one recipient (a customer or an operator) wants to be told things. Keyed by recipientId; the latest record per recipient is what counts (a compacted table), a tombstone removes every channel. Written by the account service when a recipient changes their settings. */
  NotificationPreference: defineContract<NotificationPreference>(
    'notifications/notification-preference.avsc',
    'dev.oxagry.notifications.NotificationPreference',
  ),
  /** One message to one recipient on one channel, rendered and due to be sent: the outbox. Keyed by notificationId, which is also the channel provider's idempotency key, so a notification rendered or delivered again is sent once. */
  Notification: defineContract<Notification>(
    'notifications/notification.avsc',
    'dev.oxagry.notifications.Notification',
  ),
  /** A request about an existing order from a customer, an operator or the delivery service. Keyed by orderId; the orders application decides what it does to the order, so a command never changes an order by itself. */
  OrderCommand: defineContract<OrderCommand>('orders/order-command.avsc', 'dev.oxagry.orders.OrderCommand'),
  /** One step in an order's life, in the order it happened. Keyed by orderId so every event of an order lands on one partition and is read in sequence. */
  OrderEvent: defineContract<OrderEvent>('orders/order-event.avsc', 'dev.oxagry.orders.OrderEvent'),
  /** The current state of an order, folded from its order and payment events. Compacted and keyed by orderId: the latest record is the truth. */
  OrderStatus: defineContract<OrderStatus>('orders/order-status.avsc', 'dev.oxagry.orders.OrderStatus'),
  /** The answer of one check of an order (its details, its stock, its payment, the fraud check). Keyed by orderId: the orders application folds an order's answers into its decision. */
  OrderValidation: defineContract<OrderValidation>(
    'orders/order-validation.avsc',
    'dev.oxagry.orders.OrderValidation',
  ),
  /** A request to the payment provider, from the orders application to the payment gateway worker. Keyed by orderId, so an order's requests are carried out in order; the paymentId is the provider's idempotency key. */
  PaymentCommand: defineContract<PaymentCommand>(
    'payments/payment-command.avsc',
    'dev.oxagry.payments.PaymentCommand',
  ),
  /** A step of a payment for an order. Keyed by orderId, not paymentId, so payments are co-partitioned with the order events they join. */
  PaymentEvent: defineContract<PaymentEvent>(
    'payments/payment-event.avsc',
    'dev.oxagry.payments.PaymentEvent',
  ),
  /** What the payments application needs to turn a provider's asynchronous answer into exactly one payment event: the gateway's note that a call was left pending, and the provider's later report of its outcome (received by the commerce API's webhook, signature verified). Keyed by orderId, so both land on the partition of the order's payment events. */
  ProviderNotification: defineContract<ProviderNotification>(
    'payments/provider-notification.avsc',
    'dev.oxagry.payments.ProviderNotification',
  ),
  /** A record a stream application could not process, with its original bytes and why. Keyed by sourceTopic:partition:offset. Replaying means producing key and value back to sourceTopic. */
  DeadLetter: defineContract<DeadLetter>('platform/dead-letter.avsc', 'dev.oxagry.platform.DeadLetter'),
} as const

export type ContractName = keyof typeof Contracts
