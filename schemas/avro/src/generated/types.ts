// Generated from the .avsc files by `npm run -w @oxagry/avro codegen`. Do not edit.
import type {
  BookingId,
  CurrencyCode,
  CustomerId,
  GeofenceId,
  MachineId,
  OrderId,
  PaymentId,
  ProductId,
  ReservationId,
  WarehouseId,
  TimestampMillis,
} from '../ids.ts'

/** A booking (held or confirmed) was cancelled by the customer or because its order was; its machine is released. */
export interface BookingCancelled {
  /** The machine released, when one was assigned. Default: null. */
  readonly machineId: null | MachineId
  /** Who cancelled and why. Default: null. */
  readonly note: null | string
}

/** A request about a machinery booking. Keyed by machine type: every booking of one type is decided by one task, which holds the calendars of all machines of that type, so two requests can never take the same machine for overlapping days. */
export interface BookingCommand {
  /** Unique id of this command; the same request sent again carries the same id. */
  readonly commandId: string
  /** The booking the command is about. */
  readonly bookingId: BookingId
  /** The booked machine type; also the record key. */
  readonly machineType: MachineType
  /** When the request was made. */
  readonly occurredAt: TimestampMillis
  /** The request: one branch per kind. */
  readonly payload:
    | { readonly 'dev.oxagry.bookings.RequestBooking': RequestBooking }
    | { readonly 'dev.oxagry.bookings.CancelBooking': CancelBooking }
    | { readonly 'dev.oxagry.bookings.OrderDecided': OrderDecided }
}

/** The order was confirmed (paid): the machine is booked. */
export interface BookingConfirmed {
  /** The booked machine. */
  readonly machineId: MachineId
}

/** The booking is over: the machine left the field after working, or the booked days ended. */
export interface BookingDone {
  /** The booked machine. */
  readonly machineId: MachineId
}

/** One step in a machinery booking's life, in the order it happened. Keyed by bookingId. Written only by the bookings application: the assignment steps by the task that owns the machine type's calendars, the progress on the day by the task that owns the machine's positions. */
export interface BookingEvent {
  /** Derived from the booking and the step: a step written again after a crash has the same id. */
  readonly eventId: string
  /** The booking; also the record key. */
  readonly bookingId: BookingId
  /** When the step happened: the request, the decision, or the machine position that showed it. */
  readonly occurredAt: TimestampMillis
  /** What happened: one branch per step. */
  readonly payload:
    | { readonly 'dev.oxagry.bookings.BookingRequested': BookingRequested }
    | { readonly 'dev.oxagry.bookings.MachineAssigned': MachineAssigned }
    | { readonly 'dev.oxagry.bookings.BookingConfirmed': BookingConfirmed }
    | { readonly 'dev.oxagry.bookings.BookingRejected': BookingRejected }
    | { readonly 'dev.oxagry.bookings.BookingCancelled': BookingCancelled }
    | { readonly 'dev.oxagry.bookings.MachineEnRoute': MachineEnRoute }
    | { readonly 'dev.oxagry.bookings.MachineArrived': MachineArrived }
    | { readonly 'dev.oxagry.bookings.WorkStarted': WorkStarted }
    | { readonly 'dev.oxagry.bookings.BookingDone': BookingDone }
    | { readonly 'dev.oxagry.bookings.MachineLate': MachineLate }
}

/** The booking will not happen; a machine it held is released. */
export interface BookingRejected {
  /** Why. */
  readonly reason: BookingRejection
  /** What was found, for people: the unknown field, the order's cancellation. Default: null. */
  readonly note: null | string
}

/** Why a booking was rejected; OTHER is what old readers see for a reason added later. Readers map unknown symbols to OTHER. */
export const BookingRejection = {
  NO_MACHINE_AVAILABLE: 'NO_MACHINE_AVAILABLE',
  INVALID_REQUEST: 'INVALID_REQUEST',
  ORDER_CANCELLED: 'ORDER_CANCELLED',
  OTHER: 'OTHER',
} as const
export type BookingRejection = (typeof BookingRejection)[keyof typeof BookingRejection]

/** A booking was asked for; what follows is MachineAssigned or BookingRejected. */
export interface BookingRequested {
  /** The booking customer. */
  readonly customerId: CustomerId
  /** The machine type asked for. */
  readonly machineType: MachineType
  /** The field the machine works on. */
  readonly fieldId: GeofenceId
  /** When the machine is due in the field on the first day. */
  readonly startsAt: TimestampMillis
  /** The end of the last booked day (exclusive). */
  readonly endsAt: TimestampMillis
  /** Rental days charged. */
  readonly days: number
}

/** The customer or an operator cancels the booking; its machine is released and its order cancelled. */
export interface CancelBooking {
  /** Free text from whoever cancelled. Default: null. */
  readonly note: null | string
}

/** The machine entered the booked field on a booked day. */
export interface MachineArrived {
  /** The booked machine. */
  readonly machineId: MachineId
  /** WGS 84 latitude of the position that showed it, in degrees. */
  readonly latitude: number
  /** WGS 84 longitude of the position that showed it, in degrees. */
  readonly longitude: number
}

/** A free machine of the type is held for the booking and its order placed; the booking waits for the order's decision (the payment). */
export interface MachineAssigned {
  /** The machine held: no other booking gets it for overlapping days. */
  readonly machineId: MachineId
  /** The rental's order in the commerce flow. */
  readonly orderId: OrderId
  /** What the order charges: the rental days at the product's day rate, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
}

/** On the booked day the machine is moving and not yet in the field. */
export interface MachineEnRoute {
  /** The booked machine. */
  readonly machineId: MachineId
  /** WGS 84 latitude of the position that showed it, in degrees. */
  readonly latitude: number
  /** WGS 84 longitude of the position that showed it, in degrees. */
  readonly longitude: number
}

/** An alert: the machine was not in the field by the booked start plus the grace. */
export interface MachineLate {
  /** The late machine. */
  readonly machineId: MachineId
  /** When it was due in the field (the booked start). */
  readonly dueAt: TimestampMillis
  /** Where it last was, when a position is known. Default: null. */
  readonly latitude: null | number
  /** Where it last was, when a position is known. Default: null. */
  readonly longitude: null | number
}

/** The commerce flow decided the booking's order (written by the bookings application itself from the order events). */
export interface OrderDecided {
  /** The booking's order. */
  readonly orderId: OrderId
  /** True when the order was confirmed (paid), false when it was cancelled. */
  readonly confirmed: boolean
  /** Why the order was cancelled, as the order events say; null when confirmed. Default: null. */
  readonly note: null | string
}

/** A farmer asks for a machine of a type on a field for a range of days. */
export interface RequestBooking {
  /** The booking customer (farm or contractor account); pays through the commerce flow. */
  readonly customerId: CustomerId
  /** The field (a FIELD geofence) the machine works on. */
  readonly fieldId: GeofenceId
  /** When the machine is due in the field on the first day. */
  readonly startsAt: TimestampMillis
  /** The end of the last booked day (exclusive): the machine is free again from then. */
  readonly endsAt: TimestampMillis
  /** Rental days charged: the calendar days from the first to the last, both included. */
  readonly days: number
}

/** The machine is moving inside the booked field: working. */
export interface WorkStarted {
  /** The booked machine. */
  readonly machineId: MachineId
  /** WGS 84 latitude of the position that showed it, in degrees. */
  readonly latitude: number
  /** WGS 84 longitude of the position that showed it, in degrees. */
  readonly longitude: number
}

/** OFF, IDLE (running, not moving under load) or RUNNING; UNKNOWN when the unit cannot read the bus, and for states added later. Readers map unknown symbols to UNKNOWN. */
export const EngineState = {
  OFF: 'OFF',
  IDLE: 'IDLE',
  RUNNING: 'RUNNING',
  UNKNOWN: 'UNKNOWN',
} as const
export type EngineState = (typeof EngineState)[keyof typeof EngineState]

/** A field, yard or depot drawn on the map. Compacted and keyed by geofenceId; a tombstone removes it. Read as a global table by the location processors. */
export interface Geofence {
  /** The geofence; also the record key. */
  readonly geofenceId: GeofenceId
  /** What people call it, e.g. 'North field'. */
  readonly name: string
  /** What the area is. */
  readonly kind: GeofenceKind
  /** The polygon's vertices in order, at least three; the ring closes implicitly (the last vertex is not repeated). */
  readonly boundary: ReadonlyArray<GeoPoint>
  /** Inactive geofences are kept for history but raise no transitions. Default: true. */
  readonly active: boolean
  /** When it was last edited. */
  readonly updatedAt: TimestampMillis
}

/** FIELD: cultivated land; YARD: farm yard; DEPOT: machine depot; OTHER, also for kinds added later. Readers map unknown symbols to OTHER. */
export const GeofenceKind = {
  FIELD: 'FIELD',
  YARD: 'YARD',
  DEPOT: 'DEPOT',
  OTHER: 'OTHER',
} as const
export type GeofenceKind = (typeof GeofenceKind)[keyof typeof GeofenceKind]

/** A machine crossed a geofence boundary. Keyed by machineId so the transitions of a machine stay in order. */
export interface GeofenceTransition {
  /** Derived from pingId and geofenceId (name-based UUID), so reprocessing the same ping yields the same id. */
  readonly transitionId: string
  /** The machine; also the record key. */
  readonly machineId: MachineId
  /** The geofence crossed. */
  readonly geofenceId: GeofenceId
  /** Into or out of the geofence. */
  readonly direction: TransitionDirection
  /** GPS time of the first ping on the new side of the boundary. */
  readonly eventTime: TimestampMillis
  /** Latitude of that ping. */
  readonly latitude: number
  /** Longitude of that ping. */
  readonly longitude: number
  /** The ping that revealed the crossing. */
  readonly pingId: string
}

/** A point on the earth. */
export interface GeoPoint {
  /** WGS 84 latitude in degrees. */
  readonly latitude: number
  /** WGS 84 longitude in degrees. */
  readonly longitude: number
}

/** A machine of the fleet as the fleet registry knows it: its type, where it is rented from and at what product. Compacted and keyed by machineId; a tombstone removes it. Read as a global table by the bookings application. */
export interface Machine {
  /** The machine; also the record key and the id its telematics unit reports. */
  readonly machineId: MachineId
  /** What the machine does: what a farmer books. */
  readonly machineType: MachineType
  /** Maker and model as people say it, e.g. 'JD-8R'. */
  readonly model: string
  /** The catalogue product a rental day of this machine is sold as; null when the machine is not for rent. Default: null. */
  readonly rentalProductId: null | ProductId
  /** The depot the machine is rented out from: the warehouse its rental days are reserved at. Null when not for rent. Default: null. */
  readonly depotWarehouseId: null | WarehouseId
  /** False once retired or in the workshop for good: it is assigned to no new booking. */
  readonly active: boolean
  /** When the registry last changed this machine. */
  readonly updatedAt: TimestampMillis
}

/** One GPS fix from a machine's telematics unit. Keyed by machineId; pings of one machine arrive in order on one partition, but units resend after a lost connection, so pingId and sequence exist to deduplicate and reorder. */
export interface MachinePing {
  /** Stable identity of the fix, set by the unit: a resend carries the same pingId, so downstream deduplicates on it. */
  readonly pingId: string
  /** The tractor, harvester or sprayer; also the record key. */
  readonly machineId: MachineId
  /** The unit's counter, increasing by one per fix; a gap means lost pings, a repeat means a resend. */
  readonly sequence: number
  /** When the fix was taken (GPS time), in epoch milliseconds. */
  readonly eventTime: TimestampMillis
  /** WGS 84 latitude in degrees. */
  readonly latitude: number
  /** WGS 84 longitude in degrees. */
  readonly longitude: number
  /** Ground speed in km/h; 0 when standing. */
  readonly speedKmh: number
  /** Course over ground, degrees clockwise from north; null when standing (GPS heading is noise then). Default: null. */
  readonly headingDegrees: null | number
  /** Estimated horizontal error radius of the fix in metres. */
  readonly accuracyMeters: number
  /** The engine as the CAN bus reports it. */
  readonly engineState: EngineState
  /** Tank level from 0 to 100; null when the machine has no fuel sensor. Default: null. */
  readonly fuelLevelPercent: null | number
}

/** Where a machine is now: its latest accepted ping with the geofences it is inside. Compacted and keyed by machineId; what the live map shows. */
export interface MachinePosition {
  /** The machine; also the record key. */
  readonly machineId: MachineId
  /** GPS time of the fix this position comes from. */
  readonly eventTime: TimestampMillis
  /** WGS 84 latitude in degrees. */
  readonly latitude: number
  /** WGS 84 longitude in degrees. */
  readonly longitude: number
  /** Ground speed in km/h. */
  readonly speedKmh: number
  /** Course over ground, degrees clockwise from north; null when standing. Default: null. */
  readonly headingDegrees: null | number
  /** Estimated error radius in metres. */
  readonly accuracyMeters: number
  /** The engine at the time of the fix. */
  readonly engineState: EngineState
  /** Tank level from 0 to 100, when known. Default: null. */
  readonly fuelLevelPercent: null | number
  /** The ping this position was taken from. */
  readonly lastPingId: string
  /** Its sequence number; pings with a lower one arrive late and do not move the machine back. */
  readonly lastSequence: number
  /** The active geofences containing the position, sorted. Default: []. */
  readonly geofenceIds: ReadonlyArray<GeofenceId>
}

/** A trip (moving) or an idle period (engine on, standing) of one machine, built from its pings. Emitted while open and once when closed; keyed by machineId. */
export interface MachineSession {
  /** Stable across the updates of one session. */
  readonly sessionId: string
  /** The machine; also the record key. */
  readonly machineId: MachineId
  /** Trip or idle period. */
  readonly kind: SessionKind
  /** Whether more pings may still extend it. */
  readonly state: SessionState
  /** GPS time of the first ping. */
  readonly startedAt: TimestampMillis
  /** GPS time of the last ping so far. */
  readonly endedAt: TimestampMillis
  /** Where it started. */
  readonly startLatitude: number
  /** Where it started. */
  readonly startLongitude: number
  /** Where it is or ended. */
  readonly endLatitude: number
  /** Where it is or ended. */
  readonly endLongitude: number
  /** Great-circle distance summed over consecutive pings; 0 for idle periods. */
  readonly distanceMeters: number
  /** Highest ground speed seen. */
  readonly maxSpeedKmh: number
  /** Pings folded in (after deduplication). */
  readonly pingCount: number
  /** Drop of the tank level over the session, when the machine reports fuel. Default: null. */
  readonly fuelUsedPercent: null | number
}

/** Kinds of machine a farmer can book; OTHER is what old readers see for a kind added later. Readers map unknown symbols to OTHER. */
export const MachineType = {
  TRACTOR: 'TRACTOR',
  COMBINE: 'COMBINE',
  SPRAYER: 'SPRAYER',
  SEED_DRILL: 'SEED_DRILL',
  OTHER: 'OTHER',
} as const
export type MachineType = (typeof MachineType)[keyof typeof MachineType]

/** TRIP: the machine moves; IDLE: the engine runs while it stands. */
export const SessionKind = {
  TRIP: 'TRIP',
  IDLE: 'IDLE',
} as const
export type SessionKind = (typeof SessionKind)[keyof typeof SessionKind]

/** OPEN while pings extend it; CLOSED after the inactivity gap: final. */
export const SessionState = {
  OPEN: 'OPEN',
  CLOSED: 'CLOSED',
} as const
export type SessionState = (typeof SessionState)[keyof typeof SessionState]

/** ENTERED or EXITED. */
export const TransitionDirection = {
  ENTERED: 'ENTERED',
  EXITED: 'EXITED',
} as const
export type TransitionDirection = (typeof TransitionDirection)[keyof typeof TransitionDirection]

/** RECEIPT: goods arrived; SALE: goods left for an order; CORRECTION: a stock count fixed the books. Readers map unknown symbols to CORRECTION. */
export const AdjustmentReason = {
  RECEIPT: 'RECEIPT',
  SALE: 'SALE',
  CORRECTION: 'CORRECTION',
} as const
export type AdjustmentReason = (typeof AdjustmentReason)[keyof typeof AdjustmentReason]

/** The quantity on hand changed: goods received, or a stock count corrected the books. */
export interface AdjustStock {
  /** Why the quantity on hand changed. */
  readonly reason: AdjustmentReason
  /** Signed change of the quantity on hand. */
  readonly delta: number
  /** Delivery note or count sheet the change comes from. Default: null. */
  readonly reference: null | string
}

/** The order was confirmed: its reservation no longer expires and waits for fulfilment. */
export interface ConfirmReservation {
  /** The order. */
  readonly orderId: OrderId
}

/** Available units fell below the product's threshold in this warehouse. */
export interface LowStock {
  /** Units available (on hand minus reserved). */
  readonly available: number
  /** The threshold crossed. */
  readonly threshold: number
}

/** A catalogue product: what can be ordered, at what price, and when its stock counts as low. Compacted and keyed by productId; read whole as a global table. */
export interface Product {
  /** The product (SKU); also the record key. */
  readonly productId: ProductId
  /** What the customer sees. */
  readonly name: string
  /** Kind of product. */
  readonly category: ProductCategory
  /** The stock-keeping unit: a 25 kg bag, a rental day. */
  readonly unit: string
  /** List price of one unit in minor units of currency. */
  readonly unitPriceMinor: number
  /** ISO 4217 code the product is sold in; an order in another currency is invalid. */
  readonly currency: CurrencyCode
  /** Below this many available units in a warehouse a LowStock event is raised; null when not watched. Default: null. */
  readonly lowStockThreshold: null | number
  /** False once withdrawn: new orders for it are invalid. */
  readonly active: boolean
}

/** Product families; OTHER is what old readers see for a family added later. Readers map unknown symbols to OTHER. */
export const ProductCategory = {
  SEED: 'SEED',
  FERTILISER: 'FERTILISER',
  CROP_PROTECTION: 'CROP_PROTECTION',
  SPARE_PART: 'SPARE_PART',
  MACHINERY_RENTAL: 'MACHINERY_RENTAL',
  OTHER: 'OTHER',
} as const
export type ProductCategory = (typeof ProductCategory)[keyof typeof ProductCategory]

/** ORDER_CANCELLED and EXPIRED return units; FULFILLED means a SALE adjustment follows. */
export const ReleaseReason = {
  ORDER_CANCELLED: 'ORDER_CANCELLED',
  EXPIRED: 'EXPIRED',
  FULFILLED: 'FULFILLED',
} as const
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason]

/** End an order's reservation: its units return (cancelled) or leave the warehouse (fulfilled, followed by a SALE adjustment). */
export interface ReleaseReservation {
  /** The order. */
  readonly orderId: OrderId
  /** Why it ends. */
  readonly reason: ReleaseReason
}

/** A reservation ended and its units are available again (or were shipped, see reason). */
export interface ReservationReleased {
  /** The reservation released. */
  readonly reservationId: ReservationId
  /** The order it was for. */
  readonly orderId: OrderId
  /** Units released. */
  readonly quantity: number
  /** Why it ended. */
  readonly reason: ReleaseReason
}

/** Set units aside for an order line, all or nothing. */
export interface ReserveStock {
  /** The order. */
  readonly orderId: OrderId
  /** Units wanted. */
  readonly quantity: number
  /** How many stock keys (product and warehouse) the order reserves in all, so its answers can be counted. */
  readonly lineCount: number
  /** When the reservation lapses if the order is not decided by then (wall clock). */
  readonly expiresAt: TimestampMillis
}

/** The quantity on hand changed physically or on paper. */
export interface StockAdjusted {
  /** Why the quantity on hand changed. */
  readonly reason: AdjustmentReason
  /** Signed change of the quantity on hand, in stock-keeping units. */
  readonly delta: number
  /** Delivery note, order id or count sheet the change comes from. Default: null. */
  readonly reference: null | string
}

/** A request to change the stock of one product in one warehouse. Keyed by productId|warehouseId, like the stock events the inventory application writes in answer: that application is the only writer of stock events, so a level is folded by one writer in order. */
export interface StockCommand {
  /** Unique id of this command; the same request sent again carries the same id. */
  readonly commandId: string
  /** The product. */
  readonly productId: ProductId
  /** The warehouse. */
  readonly warehouseId: WarehouseId
  /** When the request was made. */
  readonly occurredAt: TimestampMillis
  /** The request: one branch per kind. */
  readonly payload:
    | { readonly 'dev.oxagry.inventory.AdjustStock': AdjustStock }
    | { readonly 'dev.oxagry.inventory.ReserveStock': ReserveStock }
    | { readonly 'dev.oxagry.inventory.ConfirmReservation': ConfirmReservation }
    | { readonly 'dev.oxagry.inventory.ReleaseReservation': ReleaseReservation }
}

/** A change to the stock of one product in one warehouse. Keyed by productId|warehouseId so a stock level folds its events in order. */
export interface StockEvent {
  /** Unique id of this event; consumers deduplicate on it. */
  readonly eventId: string
  /** The product whose stock changed. */
  readonly productId: ProductId
  /** The warehouse holding it. */
  readonly warehouseId: WarehouseId
  /** When it happened (event time). */
  readonly occurredAt: TimestampMillis
  /** What happened to the stock. */
  readonly payload:
    | { readonly 'dev.oxagry.inventory.StockAdjusted': StockAdjusted }
    | { readonly 'dev.oxagry.inventory.StockReserved': StockReserved }
    | { readonly 'dev.oxagry.inventory.ReservationReleased': ReservationReleased }
    | { readonly 'dev.oxagry.inventory.LowStock': LowStock }
}

/** The current stock of one product in one warehouse, folded from its stock events. Compacted and keyed by productId|warehouseId. */
export interface StockLevel {
  /** The product. */
  readonly productId: ProductId
  /** The warehouse. */
  readonly warehouseId: WarehouseId
  /** Units physically in the warehouse. */
  readonly onHand: number
  /** Units on hand set aside for orders. */
  readonly reserved: number
  /** onHand minus reserved: what can still be sold. */
  readonly available: number
  /** Below this many available units a LowStock event is raised; null when not watched. Default: null. */
  readonly lowStockThreshold: null | number
  /** Event time of the latest stock event folded in. */
  readonly updatedAt: TimestampMillis
  /** How many stock events were folded in; a sink keeps the higher version. */
  readonly version: number
}

/** Units were set aside for an order; they stay on hand but are no longer available. */
export interface StockReserved {
  /** The reservation; its release names it. */
  readonly reservationId: ReservationId
  /** The order the units are for. */
  readonly orderId: OrderId
  /** Units reserved. */
  readonly quantity: number
  /** When an unconfirmed reservation lapses, if it does. Default: null. */
  readonly expiresAt: null | TimestampMillis
}

/** SENT: the provider took it; FAILED: refused, or still failing after every retry, and dead-lettered; OTHER is what old readers see for a status added later. Readers map unknown symbols to OTHER. */
export const DeliveryStatus = {
  SENT: 'SENT',
  FAILED: 'FAILED',
  OTHER: 'OTHER',
} as const
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus]

/** One message to one recipient on one channel, rendered and due to be sent: the outbox. Keyed by notificationId, which is also the channel provider's idempotency key, so a notification rendered or delivered again is sent once. */
export interface Notification {
  /** nameUuid('notification:<sourceEventId>:<recipientId>:<channel>'): the same event rendered again has the same id. Also the record key. */
  readonly notificationId: string
  /** Who it is for: a customer id, or an operator's id prefixed operator:. */
  readonly recipientId: string
  /** The customer it is for, when the recipient is a customer: what a customer's notifications are listed by. Default: null. */
  readonly customerId: null | CustomerId
  /** The channel it is sent on. */
  readonly channel: NotificationChannel
  /** Where on the channel: the e-mail address, the phone number or the push token, from the recipient's preferences when rendered. */
  readonly address: string
  /** Which message it is. */
  readonly template: NotificationTemplate
  /** The e-mail subject or push title; an SMS carries the body only. */
  readonly subject: string
  /** The message as plain text, shorter on SMS and push. */
  readonly body: string
  /** What it is about: order:<orderId>, booking:<bookingId> or stock:<productId>|<warehouseId>. */
  readonly reference: string
  /** The event it was rendered from. */
  readonly sourceEventId: string
  /** When the event it tells of happened. */
  readonly occurredAt: TimestampMillis
  /** When it was rendered. */
  readonly createdAt: TimestampMillis
  /** When it was held for the recipient's quiet hours: the end of them, when it was released to the outbox. Null when it went at once. Default: null. */
  readonly heldUntil: null | TimestampMillis
}

/** Where a notification goes; OTHER is what old readers see for a channel added later. Readers map unknown symbols to OTHER. */
export const NotificationChannel = {
  EMAIL: 'EMAIL',
  SMS: 'SMS',
  PUSH: 'PUSH',
  OTHER: 'OTHER',
} as const
export type NotificationChannel = (typeof NotificationChannel)[keyof typeof NotificationChannel]

/** What became of one notification: sent by the channel provider, or given up. Keyed by notificationId; written by the channel worker in the transaction that commits the outbox record's offset, so there is one per outbox record; a notification in the outbox twice is answered the second time from the provider's record, never sent twice. */
export interface NotificationDelivery {
  /** The notification; also the record key. */
  readonly notificationId: string
  /** Who it was for, as on the notification. */
  readonly recipientId: string
  /** The channel it went on. */
  readonly channel: NotificationChannel
  /** The outcome. */
  readonly status: DeliveryStatus
  /** The provider's id of the message, when it was sent. Default: null. */
  readonly providerReference: null | string
  /** Why it failed: the provider's refusal or the last error. Default: null. */
  readonly reason: null | string
  /** Provider calls made for it by this delivery, at least 1. */
  readonly attempts: number
  /** When the provider answered, or when the worker gave up. */
  readonly at: TimestampMillis
}

/** How one recipient (a customer or an operator) wants to be told things. Keyed by recipientId; the latest record per recipient is what counts (a compacted table), a tombstone removes every channel. Written by the account service when a recipient changes their settings. */
export interface NotificationPreference {
  /** The recipient: a customer id (farm-0042) or an operator's id prefixed operator: (operator:warehouse-north); also the record key. */
  readonly recipientId: string
  /** When the recipient last changed these settings. */
  readonly updatedAt: TimestampMillis
  /** The channels the recipient wants; a channel listed without its address below is not used. */
  readonly channels: ReadonlyArray<NotificationChannel>
  /** The e-mail address for EMAIL, when the recipient gave one. Default: null. */
  readonly email: null | string
  /** The mobile number for SMS, in E.164 form (+4917612345678), when the recipient gave one. Default: null. */
  readonly phone: null | string
  /** The app installation's push token for PUSH, when the app registered one. Default: null. */
  readonly pushDevice: null | string
  /** Hours in which SMS and push wait (e-mail does not): none when null. Default: null. */
  readonly quietHours: null | QuietHours
}

/** The messages the platform sends; OTHER is what old readers see for a template added later. Readers map unknown symbols to OTHER. */
export const NotificationTemplate = {
  ORDER_CONFIRMED: 'ORDER_CONFIRMED',
  ORDER_CANCELLED: 'ORDER_CANCELLED',
  ORDER_DELIVERED: 'ORDER_DELIVERED',
  BOOKING_CONFIRMED: 'BOOKING_CONFIRMED',
  MACHINE_EN_ROUTE: 'MACHINE_EN_ROUTE',
  MACHINE_ARRIVED: 'MACHINE_ARRIVED',
  MACHINE_LATE: 'MACHINE_LATE',
  LOW_STOCK: 'LOW_STOCK',
  OTHER: 'OTHER',
} as const
export type NotificationTemplate = (typeof NotificationTemplate)[keyof typeof NotificationTemplate]

/** A daily span of local time; it may run past midnight (22:00 to 06:00). */
export interface QuietHours {
  /** Start, in minutes after local midnight (0 to 1439), inclusive. */
  readonly startMinute: number
  /** End, in minutes after local midnight (0 to 1439), exclusive; before the start when the span runs past midnight. */
  readonly endMinute: number
  /** The IANA time zone the minutes are local to (Europe/Berlin). */
  readonly timeZone: string
}

/** Why an order was cancelled; OTHER is what old readers see for a reason added later. Readers map unknown symbols to OTHER. */
export const CancellationReason = {
  CUSTOMER_REQUEST: 'CUSTOMER_REQUEST',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  PAYMENT_FAILED: 'PAYMENT_FAILED',
  FRAUD_SUSPECTED: 'FRAUD_SUSPECTED',
  OTHER: 'OTHER',
  INVALID_ORDER: 'INVALID_ORDER',
  TIMED_OUT: 'TIMED_OUT',
} as const
export type CancellationReason = (typeof CancellationReason)[keyof typeof CancellationReason]

/** The customer asks to cancel. Before the decision the order is cancelled; after confirmation its authorisation is voided; a completed order is refunded only by an operator. */
export interface CancelOrder {
  /** The customer's words. Default: null. */
  readonly note: null | string
}

/** A delivery point. */
export interface DeliveryLocation {
  /** WGS 84 latitude in degrees. */
  readonly latitude: number
  /** WGS 84 longitude in degrees. */
  readonly longitude: number
  /** Postal address when there is one; fields often have none. Default: null. */
  readonly address: null | string
}

/** The order will not be delivered; its reservations are released and payments refunded. */
export interface OrderCancelled {
  /** Why it was cancelled. */
  readonly reason: CancellationReason
  /** Free text from the customer or the operator. Default: null. */
  readonly note: null | string
}

/** A request about an existing order from a customer, an operator or the delivery service. Keyed by orderId; the orders application decides what it does to the order, so a command never changes an order by itself. */
export interface OrderCommand {
  /** Unique id of this command; the same request sent again carries the same id. */
  readonly commandId: string
  /** The order; also the record key. */
  readonly orderId: OrderId
  /** When the request was made. */
  readonly occurredAt: TimestampMillis
  /** The request: one branch per kind. */
  readonly payload:
    | { readonly 'dev.oxagry.orders.CancelOrder': CancelOrder }
    | { readonly 'dev.oxagry.orders.ReportDelivery': ReportDelivery }
    | { readonly 'dev.oxagry.orders.RefundOrder': RefundOrder }
}

/** The goods were delivered and the payment captured. */
export interface OrderCompleted {
  /** When the customer received the goods. */
  readonly deliveredAt: TimestampMillis
}

/** Stock is reserved and payment authorised: the order will be delivered. */
export interface OrderConfirmed {
  /** Promised delivery time, when one was given. Default: null. */
  readonly estimatedDeliveryAt: null | TimestampMillis
}

/** One step in an order's life, in the order it happened. Keyed by orderId so every event of an order lands on one partition and is read in sequence. */
export interface OrderEvent {
  /** Unique id of this event; consumers deduplicate on it after a producer retry. */
  readonly eventId: string
  /** The order this event belongs to; also the record key. */
  readonly orderId: OrderId
  /** When it happened at the source (event time), in epoch milliseconds. */
  readonly occurredAt: TimestampMillis
  /** What happened: one branch per lifecycle step. A new branch is a BACKWARD-compatible change only; old readers cannot read it. */
  readonly payload:
    | { readonly 'dev.oxagry.orders.OrderPlaced': OrderPlaced }
    | { readonly 'dev.oxagry.orders.OrderConfirmed': OrderConfirmed }
    | { readonly 'dev.oxagry.orders.OrderCancelled': OrderCancelled }
    | { readonly 'dev.oxagry.orders.OrderCompleted': OrderCompleted }
}

/** One product bought from one warehouse. */
export interface OrderItem {
  /** The catalogue product (SKU). */
  readonly productId: ProductId
  /** The warehouse the goods ship from; stock is reserved there. */
  readonly warehouseId: WarehouseId
  /** How many stock-keeping units (a 25 kg bag, a 1000 l IBC); integral so stock arithmetic stays exact. */
  readonly quantity: number
  /** Price of one unit in minor units of the order's currency (cents for EUR). */
  readonly unitPriceMinor: number
}

/** A customer checked out. Prices are fixed at this moment; later price changes do not touch the order. */
export interface OrderPlaced {
  /** The buying customer (farm or contractor account). */
  readonly customerId: CustomerId
  /** The order lines, at least one. */
  readonly items: ReadonlyArray<OrderItem>
  /** ISO 4217 alphabetic code of every amount in the order, e.g. EUR. */
  readonly currency: CurrencyCode
  /** Where the goods go: a farm yard or a field edge, hence coordinates first. */
  readonly deliveryLocation: DeliveryLocation
  /** The client's key for this checkout: a retried checkout carries the same key, so a duplicate order is detected. */
  readonly idempotencyKey: string
}

/** Lifecycle states of an order; UNKNOWN is what old readers see for a state added later. Readers map unknown symbols to UNKNOWN. */
export const OrderState = {
  PLACED: 'PLACED',
  CONFIRMED: 'CONFIRMED',
  CANCELLED: 'CANCELLED',
  COMPLETED: 'COMPLETED',
  UNKNOWN: 'UNKNOWN',
} as const
export type OrderState = (typeof OrderState)[keyof typeof OrderState]

/** The current state of an order, folded from its order and payment events. Compacted and keyed by orderId: the latest record is the truth. */
export interface OrderStatus {
  /** The order; also the record key. */
  readonly orderId: OrderId
  /** The buying customer. */
  readonly customerId: CustomerId
  /** Where the order is in its lifecycle. */
  readonly state: OrderState
  /** The latest payment step, null before a payment was requested. Default: null. */
  readonly paymentState: null | PaymentState
  /** Sum of quantity times unit price over the items, in minor units of currency. */
  readonly totalMinor: number
  /** ISO 4217 code of totalMinor. */
  readonly currency: CurrencyCode
  /** Number of order lines. */
  readonly itemCount: number
  /** When the order was placed. */
  readonly placedAt: TimestampMillis
  /** Event time of the latest event folded in. */
  readonly updatedAt: TimestampMillis
  /** Set when state is CANCELLED. Default: null. */
  readonly cancellationReason: null | CancellationReason
  /** Why the order is where it is, for people: what was invalid, the line out of stock, a duplicate checkout refused. Default: null. */
  readonly note: null | string
  /** How many events were folded in; a sink keeps the higher version when updates race. */
  readonly version: number
}

/** The answer of one check of an order (its details, its stock, its payment, the fraud check). Keyed by orderId: the orders application folds an order's answers into its decision. */
export interface OrderValidation {
  /** Derived from the order and the check: an answer given again after a crash has the same id. */
  readonly validationId: string
  /** The order checked; also the record key. */
  readonly orderId: OrderId
  /** Which check answered. */
  readonly check: ValidationCheck
  /** True when the order may go on as far as this check is concerned. */
  readonly passed: boolean
  /** Why the check failed: the cancellation reason it leads to. Null when passed. Default: null. */
  readonly reason: null | CancellationReason
  /** What was found, for people: the line out of stock, the spend over the limit, the provider's message. Default: null. */
  readonly note: null | string
  /** When the check answered. */
  readonly occurredAt: TimestampMillis
}

/** Payment steps as an order sees them. Readers map unknown symbols to UNKNOWN. */
export const PaymentState = {
  REQUESTED: 'REQUESTED',
  AUTHORISED: 'AUTHORISED',
  CAPTURED: 'CAPTURED',
  FAILED: 'FAILED',
  REFUNDED: 'REFUNDED',
  UNKNOWN: 'UNKNOWN',
  VOIDED: 'VOIDED',
} as const
export type PaymentState = (typeof PaymentState)[keyof typeof PaymentState]

/** An operator refunds a completed order in full. */
export interface RefundOrder {
  /** Why, as the operator wrote it. */
  readonly reason: string
}

/** The goods reached the customer: the payment is captured and the order completes. */
export interface ReportDelivery {
  /** When the customer received the goods. */
  readonly deliveredAt: TimestampMillis
}

/** The checks an order goes through before its decision; UNKNOWN is what old readers see for a check added later. Readers map unknown symbols to UNKNOWN. */
export const ValidationCheck = {
  DETAILS: 'DETAILS',
  INVENTORY: 'INVENTORY',
  FRAUD: 'FRAUD',
  PAYMENT: 'PAYMENT',
  UNKNOWN: 'UNKNOWN',
} as const
export type ValidationCheck = (typeof ValidationCheck)[keyof typeof ValidationCheck]

/** Hold the order total on the customer's means of payment. */
export interface AuthorisePayment {
  /** Amount in minor units of currency. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** Who pays. */
  readonly customerId: CustomerId
}

/** Move the held amount: the goods were delivered. */
export interface CapturePayment {
  /** Amount in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
}

/** The provider holds the amount; it can be captured until expiresAt. */
export interface PaymentAuthorised {
  /** Amount held, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** The provider's reference for the hold. */
  readonly authorisationCode: string
  /** When the hold lapses, if the provider says. Default: null. */
  readonly expiresAt: null | TimestampMillis
}

/** The money moved to the marketplace. */
export interface PaymentCaptured {
  /** Amount captured, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
}

/** A request to the payment provider, from the orders application to the payment gateway worker. Keyed by orderId, so an order's requests are carried out in order; the paymentId is the provider's idempotency key. */
export interface PaymentCommand {
  /** Derived from the payment and the step: the same request sent again carries the same id. */
  readonly commandId: string
  /** The payment; the provider's idempotency key. */
  readonly paymentId: PaymentId
  /** The order paid for; also the record key. */
  readonly orderId: OrderId
  /** When the request was made. */
  readonly occurredAt: TimestampMillis
  /** The request: one branch per provider call. */
  readonly payload:
    | { readonly 'dev.oxagry.payments.AuthorisePayment': AuthorisePayment }
    | { readonly 'dev.oxagry.payments.CapturePayment': CapturePayment }
    | { readonly 'dev.oxagry.payments.VoidPayment': VoidPayment }
    | { readonly 'dev.oxagry.payments.RefundPayment': RefundPayment }
}

/** A step of a payment for an order. Keyed by orderId, not paymentId, so payments are co-partitioned with the order events they join. */
export interface PaymentEvent {
  /** Unique id of this event; consumers deduplicate on it. */
  readonly eventId: string
  /** The payment; an order may have several (a failed one, then a retry). */
  readonly paymentId: PaymentId
  /** The order paid for; also the record key. */
  readonly orderId: OrderId
  /** When the payment provider reported the step (event time). */
  readonly occurredAt: TimestampMillis
  /** The step. */
  readonly payload:
    | { readonly 'dev.oxagry.payments.PaymentRequested': PaymentRequested }
    | { readonly 'dev.oxagry.payments.PaymentAuthorised': PaymentAuthorised }
    | { readonly 'dev.oxagry.payments.PaymentCaptured': PaymentCaptured }
    | { readonly 'dev.oxagry.payments.PaymentFailed': PaymentFailed }
    | { readonly 'dev.oxagry.payments.PaymentRefunded': PaymentRefunded }
    | { readonly 'dev.oxagry.payments.PaymentVoided': PaymentVoided }
}

/** The provider refused or could not complete the payment. */
export interface PaymentFailed {
  /** Why it failed. */
  readonly reason: PaymentFailureReason
  /** The provider's message, for support staff. Default: null. */
  readonly message: null | string
}

/** Failure reasons; OTHER is what old readers see for a reason added later. Readers map unknown symbols to OTHER. */
export const PaymentFailureReason = {
  DECLINED: 'DECLINED',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  EXPIRED: 'EXPIRED',
  FRAUD_SUSPECTED: 'FRAUD_SUSPECTED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  OTHER: 'OTHER',
} as const
export type PaymentFailureReason = (typeof PaymentFailureReason)[keyof typeof PaymentFailureReason]

/** Payment methods; OTHER is what old readers see for a method added later. Readers map unknown symbols to OTHER. */
export const PaymentMethod = {
  CARD: 'CARD',
  BANK_TRANSFER: 'BANK_TRANSFER',
  ON_ACCOUNT: 'ON_ACCOUNT',
  OTHER: 'OTHER',
} as const
export type PaymentMethod = (typeof PaymentMethod)[keyof typeof PaymentMethod]

/** The gateway called the provider, which answered pending: the outcome comes later by webhook. Written in the gateway's transaction with the command's offset. */
export interface PaymentPending {
  /** The payment command left pending: the outcome event's id derives from it, as on the synchronous path. */
  readonly commandId: string
  /** Amount asked for, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** Why, for a refund, as the operator wrote it; null otherwise. Default: null. */
  readonly refundReason: null | string
  /** The provider's reference of the pending call, when it gave one. Default: null. */
  readonly providerReference: null | string
}

/** Money went back to the customer, in full or in part. */
export interface PaymentRefunded {
  /** Amount refunded, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** Why, as the operator wrote it. */
  readonly reason: string
}

/** The marketplace asked the provider to take a payment. */
export interface PaymentRequested {
  /** Amount in minor units of currency. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** How the customer pays. */
  readonly method: PaymentMethod
}

/** The hold was released without moving money: the order was cancelled before capture. */
export interface PaymentVoided {
  /** Amount that was held, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
}

/** What the payments application needs to turn a provider's asynchronous answer into exactly one payment event: the gateway's note that a call was left pending, and the provider's later report of its outcome (received by the commerce API's webhook, signature verified). Keyed by orderId, so both land on the partition of the order's payment events. */
export interface ProviderNotification {
  /** The provider's id of the report (its webhook event id), or, for a pending note, one derived from the command: the same note or report sent again carries the same id. */
  readonly notificationId: string
  /** The payment; the provider's idempotency key. */
  readonly paymentId: PaymentId
  /** The order paid for; also the record key. */
  readonly orderId: OrderId
  /** The provider call the note or report is about. */
  readonly operation: ProviderOperation
  /** When the provider answered pending (a note) or decided (a report): the event time of the outcome. */
  readonly occurredAt: TimestampMillis
  /** A pending note from the gateway, or an outcome reported by the provider. */
  readonly payload:
    | { readonly 'dev.oxagry.payments.PaymentPending': PaymentPending }
    | { readonly 'dev.oxagry.payments.ProviderOutcomeReported': ProviderOutcomeReported }
}

/** The four provider calls; OTHER is what old readers see for a call added later. Readers map unknown symbols to OTHER. */
export const ProviderOperation = {
  AUTHORISE: 'AUTHORISE',
  CAPTURE: 'CAPTURE',
  VOID: 'VOID',
  REFUND: 'REFUND',
  OTHER: 'OTHER',
} as const
export type ProviderOperation = (typeof ProviderOperation)[keyof typeof ProviderOperation]

/** The provider reported the final outcome of a call it had left pending (or, echoed, of one it answered at once). */
export interface ProviderOutcomeReported {
  /** The provider that reported it, as the webhook's path names it. */
  readonly provider: string
  /** True when the provider did it; false when it refused. */
  readonly approved: boolean
  /** The provider's reference (the authorisation code of a hold); null for a refusal. Default: null. */
  readonly providerReference: null | string
  /** Amount the provider moved or held, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** When a hold lapses (authorisations only). Default: null. */
  readonly expiresAt: null | TimestampMillis
  /** For a refusal: a PaymentFailureReason symbol (DECLINED, INSUFFICIENT_FUNDS, EXPIRED, FRAUD_SUSPECTED, PROVIDER_ERROR, OTHER); unknown ones are read as OTHER. Default: null. */
  readonly failureReason: null | string
  /** The provider's message for a refusal. Default: null. */
  readonly message: null | string
  /** When the webhook was received. */
  readonly receivedAt: TimestampMillis
}

/** Give captured money back. */
export interface RefundPayment {
  /** Amount in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
  /** Why, as the operator wrote it. */
  readonly reason: string
}

/** Release the hold without moving money: the order was cancelled before capture. */
export interface VoidPayment {
  /** Amount held, in minor units. */
  readonly amountMinor: number
  /** ISO 4217 code of the amount. */
  readonly currency: CurrencyCode
}

/** A record a stream application could not process, with its original bytes and why. Keyed by sourceTopic:partition:offset. Replaying means producing key and value back to sourceTopic. */
export interface DeadLetter {
  /** Unique id of this dead letter. */
  readonly deadLetterId: string
  /** The stream application (its application id) that gave up. */
  readonly application: string
  /** Where it failed. */
  readonly stage: FailureStage
  /** Topic the record was read from. */
  readonly sourceTopic: string
  /** Its partition. */
  readonly sourcePartition: number
  /** Its offset. */
  readonly sourceOffset: number
  /** Its Kafka timestamp. */
  readonly sourceTimestamp: TimestampMillis
  /** The original key bytes, untouched. Default: null. */
  readonly key: null | Buffer
  /** The original value bytes, untouched (Confluent framing included). Default: null. */
  readonly value: null | Buffer
  /** The original headers. Default: {}. */
  readonly headers: Readonly<Record<string, Buffer>>
  /** The typed error's code, e.g. OXA_AVRO_UNKNOWN_SCHEMA_ID. */
  readonly errorCode: string
  /** The error's message. */
  readonly errorMessage: string
  /** Whether replaying later may succeed (the registry was down) or not (the bytes are corrupt). */
  readonly retriable: boolean
  /** Wall-clock time of the failure. */
  readonly failedAt: TimestampMillis
}

/** DESERIALIZATION: the bytes could not be read; PROCESSING: a processor threw; SERIALIZATION: a result could not be written; OTHER, also for stages added later. Readers map unknown symbols to OTHER. */
export const FailureStage = {
  DESERIALIZATION: 'DESERIALIZATION',
  PROCESSING: 'PROCESSING',
  SERIALIZATION: 'SERIALIZATION',
  OTHER: 'OTHER',
} as const
export type FailureStage = (typeof FailureStage)[keyof typeof FailureStage]
