import type { ValueOf } from '../contract.ts'
import type { Contracts, ContractName } from '../generated/contracts.ts'
import {
  bookingId,
  currencyCode,
  customerId,
  geofenceId,
  machineId,
  orderId,
  paymentId,
  productId,
  reservationId,
  warehouseId,
} from '../ids.ts'

/** A named example record of a contract; its encoding is checked in under fixtures/. */
export interface Sample<T> {
  readonly name: string
  readonly value: T
}

export type Samples = { readonly [K in ContractName]: readonly Sample<ValueOf<(typeof Contracts)[K]>>[] }

const ORDER = orderId('6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f')
const CUSTOMER = customerId('farm-0042')
const SEED = productId('SEED-WHEAT-25KG')
const FERT = productId('FERT-NPK-600KG')
const WAREHOUSE = warehouseId('wh-north')
const EUR = currencyCode('EUR')
const TRACTOR = machineId('MF-8S-00042')
const NORTH_FIELD = geofenceId('gf-north-field')
const YARD = geofenceId('gf-home-yard')
const PAYMENT = paymentId('0b6e3a59-2c1d-4f8e-a7b6-c5d4e3f2a1b0')
const RESERVATION = reservationId('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d')
const T0 = Date.UTC(2025, 3, 14, 6, 30, 0)
const BOOKING = bookingId('5e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9')
const RENTAL = productId('RENT-TRACTOR-DAY')
const DEPOT = warehouseId('wh-depot-south')
const DAY = 86_400_000
/** A booking's envelope fields; `payload` is the step. */
const bookingEvent = (n: number, occurredAt: number) => ({
  eventId: `7c3b2a19-0f8e-4d7c-a6b5-94837261500${n}`,
  bookingId: BOOKING,
  occurredAt,
})

/**
 * Sample records: at least one per contract, one per branch of an event union, exercising nulls,
 * defaults, arrays, maps and bytes. Typed by the generated types, so they also prove those compile
 * against real values.
 */
export const SAMPLES: Samples = {
  OrderEvent: [
    {
      name: 'placed',
      value: {
        eventId: '3d0a8f4e-0c55-4f7e-9a41-7b2b0c9e6d11',
        orderId: ORDER,
        occurredAt: T0,
        payload: {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: CUSTOMER,
            items: [
              { productId: SEED, warehouseId: WAREHOUSE, quantity: 40, unitPriceMinor: 3450 },
              { productId: FERT, warehouseId: WAREHOUSE, quantity: 2, unitPriceMinor: 41900 },
            ],
            currency: EUR,
            deliveryLocation: {
              latitude: 52.37403,
              longitude: 9.73856,
              address: 'Hof Lindenberg 3, 30159 Hannover',
            },
            idempotencyKey: 'checkout-7f3e2a',
          },
        },
      },
    },
    {
      name: 'confirmed',
      value: {
        eventId: '5b7f2c91-4e0a-4b3c-8d2e-6f1a9c3b7e20',
        orderId: ORDER,
        occurredAt: T0 + 60_000,
        payload: { 'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: T0 + 2 * 86_400_000 } },
      },
    },
    {
      name: 'cancelled',
      value: {
        eventId: '8c3e1d72-9b4f-4a6e-b1c0-2d5f8e7a9b31',
        orderId: ORDER,
        occurredAt: T0 + 120_000,
        payload: { 'dev.oxagry.orders.OrderCancelled': { reason: 'OUT_OF_STOCK', note: null } },
      },
    },
    {
      name: 'completed',
      value: {
        eventId: '9d4f2e83-ac50-4b7f-82d1-3e6a9f8b0c42',
        orderId: ORDER,
        occurredAt: T0 + 3 * 86_400_000,
        payload: { 'dev.oxagry.orders.OrderCompleted': { deliveredAt: T0 + 3 * 86_400_000 - 5_000 } },
      },
    },
  ],
  OrderStatus: [
    {
      name: 'confirmed',
      value: {
        orderId: ORDER,
        customerId: CUSTOMER,
        state: 'CONFIRMED',
        paymentState: 'AUTHORISED',
        totalMinor: 40 * 3450 + 2 * 41900,
        currency: EUR,
        itemCount: 2,
        placedAt: T0,
        updatedAt: T0 + 60_000,
        cancellationReason: null,
        note: null,
        version: 3,
      },
    },
  ],
  StockEvent: [
    {
      name: 'adjusted',
      value: {
        eventId: '1e2d3c4b-5a69-4788-97a6-b5c4d3e2f101',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 - 86_400_000,
        payload: {
          'dev.oxagry.inventory.StockAdjusted': {
            reason: 'RECEIPT',
            delta: 500,
            reference: 'DN-2025-0414-07',
          },
        },
      },
    },
    {
      name: 'reserved',
      value: {
        eventId: '2f3e4d5c-6b7a-4899-a8b7-c6d5e4f30212',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 1_000,
        payload: {
          'dev.oxagry.inventory.StockReserved': {
            reservationId: RESERVATION,
            orderId: ORDER,
            quantity: 40,
            expiresAt: T0 + 3_600_000,
          },
        },
      },
    },
    {
      name: 'released',
      value: {
        eventId: '3a4f5e6d-7c8b-49aa-b9c8-d7e6f5a40323',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 120_500,
        payload: {
          'dev.oxagry.inventory.ReservationReleased': {
            reservationId: RESERVATION,
            orderId: ORDER,
            quantity: 40,
            reason: 'ORDER_CANCELLED',
          },
        },
      },
    },
    {
      name: 'low-stock',
      value: {
        eventId: '4b5a6f7e-8d9c-4abb-8ad9-e8f7a6b50434',
        productId: FERT,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 2_000,
        payload: { 'dev.oxagry.inventory.LowStock': { available: 3, threshold: 5 } },
      },
    },
  ],
  StockLevel: [
    {
      name: 'watched',
      value: {
        productId: SEED,
        warehouseId: WAREHOUSE,
        onHand: 500,
        reserved: 40,
        available: 460,
        lowStockThreshold: 50,
        updatedAt: T0 + 1_000,
        version: 2,
      },
    },
  ],
  PaymentEvent: [
    {
      name: 'requested',
      value: {
        eventId: '6d7c8b9a-0f1e-4cdd-8cfb-0a1b2c3d0656',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 5_000,
        payload: {
          'dev.oxagry.payments.PaymentRequested': { amountMinor: 221800, currency: EUR, method: 'CARD' },
        },
      },
    },
    {
      name: 'authorised',
      value: {
        eventId: '7e8d9cab-1a2f-4dee-9dac-1b2c3d4e0767',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 7_000,
        payload: {
          'dev.oxagry.payments.PaymentAuthorised': {
            amountMinor: 221800,
            currency: EUR,
            authorisationCode: 'AUTH-93K2Q',
            expiresAt: null,
          },
        },
      },
    },
    {
      name: 'captured',
      value: {
        eventId: '8f9eadbc-2b3a-4eff-aebd-2c3d4e5f0878',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 3 * 86_400_000,
        payload: { 'dev.oxagry.payments.PaymentCaptured': { amountMinor: 221800, currency: EUR } },
      },
    },
    {
      name: 'failed',
      value: {
        eventId: '90afbecd-3c4b-4f00-bfce-3d4e5f6a0989',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 6_000,
        payload: {
          'dev.oxagry.payments.PaymentFailed': { reason: 'INSUFFICIENT_FUNDS', message: 'card declined: 51' },
        },
      },
    },
    {
      name: 'refunded',
      value: {
        eventId: 'a1b0cfde-4d5c-4011-80df-4e5f6a7b0a9a',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 5 * 86_400_000,
        payload: {
          'dev.oxagry.payments.PaymentRefunded': {
            amountMinor: 83800,
            currency: EUR,
            reason: 'one bag damaged',
          },
        },
      },
    },
    {
      name: 'voided',
      value: {
        eventId: '2f4e6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 40_000,
        payload: { 'dev.oxagry.payments.PaymentVoided': { amountMinor: 221800, currency: EUR } },
      },
    },
  ],
  PaymentCommand: [
    {
      name: 'authorise',
      value: {
        commandId: '7d1c3e5a-9b2f-4c6d-8e0a-1b3c5d7e9f02',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 1_000,
        payload: {
          'dev.oxagry.payments.AuthorisePayment': {
            amountMinor: 221800,
            currency: EUR,
            customerId: CUSTOMER,
          },
        },
      },
    },
    {
      name: 'capture',
      value: {
        commandId: '5d7f9b1c-4e6a-4b8c-ad9f-4b6c8e0a2dac',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 2 * 86_400_000,
        payload: { 'dev.oxagry.payments.CapturePayment': { amountMinor: 221800, currency: EUR } },
      },
    },
    {
      name: 'void',
      value: {
        commandId: '6e8a0c2d-5f7b-4c9d-be0a-5c7d9f1b3ebd',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 40_000,
        payload: { 'dev.oxagry.payments.VoidPayment': { amountMinor: 221800, currency: EUR } },
      },
    },
    {
      name: 'refund',
      value: {
        commandId: '9e2d4f6b-1c3e-4a5f-b7d9-2e4f6a8b0c13',
        paymentId: PAYMENT,
        orderId: ORDER,
        occurredAt: T0 + 5 * 86_400_000,
        payload: {
          'dev.oxagry.payments.RefundPayment': { amountMinor: 221800, currency: EUR, reason: 'wrong seed' },
        },
      },
    },
  ],
  ProviderNotification: [
    {
      name: 'pending',
      value: {
        notificationId: 'pending:7d1c3e5a-9b2f-4c6d-8e0a-1b3c5d7e9f02',
        paymentId: PAYMENT,
        orderId: ORDER,
        operation: 'AUTHORISE',
        occurredAt: T0 + 5_000,
        payload: {
          'dev.oxagry.payments.PaymentPending': {
            commandId: '7d1c3e5a-9b2f-4c6d-8e0a-1b3c5d7e9f02',
            amountMinor: 221800,
            currency: EUR,
            refundReason: null,
            providerReference: 'SIM-3DS-93K2Q',
          },
        },
      },
    },
    {
      name: 'authorised',
      value: {
        notificationId: 'evt_1QdZ8v2eZvKYlo2C',
        paymentId: PAYMENT,
        orderId: ORDER,
        operation: 'AUTHORISE',
        occurredAt: T0 + 35_000,
        payload: {
          'dev.oxagry.payments.ProviderOutcomeReported': {
            provider: 'simulated',
            approved: true,
            providerReference: 'AUTH-93K2Q',
            amountMinor: 221800,
            currency: EUR,
            expiresAt: T0 + 7 * 86_400_000,
            failureReason: null,
            message: null,
            receivedAt: T0 + 35_400,
          },
        },
      },
    },
    {
      name: 'declined',
      value: {
        notificationId: 'evt_1QdZ9a7fKwLmp3D',
        paymentId: PAYMENT,
        orderId: ORDER,
        operation: 'AUTHORISE',
        occurredAt: T0 + 40_000,
        payload: {
          'dev.oxagry.payments.ProviderOutcomeReported': {
            provider: 'simulated',
            approved: false,
            providerReference: null,
            amountMinor: 221800,
            currency: EUR,
            expiresAt: null,
            failureReason: 'DECLINED',
            message: '3-D Secure authentication failed',
            receivedAt: T0 + 40_150,
          },
        },
      },
    },
  ],
  OrderValidation: [
    {
      name: 'out-of-stock',
      value: {
        validationId: '4b6d8f0a-2c4e-4f6a-8b0d-3f5a7c9e1b24',
        orderId: ORDER,
        check: 'INVENTORY',
        passed: false,
        reason: 'OUT_OF_STOCK',
        note: 'FERT-NPK-600KG at wh-north: 2 wanted, 1 available',
        occurredAt: T0 + 300,
      },
    },
    {
      name: 'fraud-passed',
      value: {
        validationId: '6c8e0a2b-4d6f-4a8b-9c1e-5a7b9d1f3c35',
        orderId: ORDER,
        check: 'FRAUD',
        passed: true,
        reason: null,
        note: null,
        occurredAt: T0 + 200,
      },
    },
  ],
  OrderCommand: [
    {
      name: 'cancel',
      value: {
        commandId: '8d0f2b4c-6e8a-4b0c-ad2f-7b9c1e3a5d46',
        orderId: ORDER,
        occurredAt: T0 + 20_000,
        payload: { 'dev.oxagry.orders.CancelOrder': { note: 'ordered twice' } },
      },
    },
    {
      name: 'refund',
      value: {
        commandId: '7f9b1d3e-6a8c-4dae-8f1b-6d8e0a2c4fce',
        orderId: ORDER,
        occurredAt: T0 + 5 * 86_400_000,
        payload: { 'dev.oxagry.orders.RefundOrder': { reason: 'wrong seed delivered' } },
      },
    },
    {
      name: 'delivered',
      value: {
        commandId: '0e2a4c6d-8f0b-4c2d-be3a-9c1d3f5b7e57',
        orderId: ORDER,
        occurredAt: T0 + 2 * 86_400_000,
        payload: { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: T0 + 2 * 86_400_000 - 5_000 } },
      },
    },
  ],
  StockCommand: [
    {
      name: 'receipt',
      value: {
        commandId: '1f3b5d7e-0a2c-4d3e-8f4b-0d2e4a6c8f68',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 - 86_400_000,
        payload: {
          'dev.oxagry.inventory.AdjustStock': { reason: 'RECEIPT', delta: 400, reference: 'DN-2025-0412' },
        },
      },
    },
    {
      name: 'reserve',
      value: {
        commandId: '2a4c6e8f-1b3d-4e5f-9a6c-1e3f5b7d9a79',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 100,
        payload: {
          'dev.oxagry.inventory.ReserveStock': {
            orderId: ORDER,
            quantity: 40,
            lineCount: 2,
            expiresAt: T0 + 15 * 60_000,
          },
        },
      },
    },
    {
      name: 'confirm',
      value: {
        commandId: '4c6e8a0b-3d5f-4a7b-9c8e-3a5b7d9f1c9b',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 60_000,
        payload: { 'dev.oxagry.inventory.ConfirmReservation': { orderId: ORDER } },
      },
    },
    {
      name: 'release',
      value: {
        commandId: '3b5d7f9a-2c4e-4f6a-8b7d-2f4a6c8e0b8a',
        productId: SEED,
        warehouseId: WAREHOUSE,
        occurredAt: T0 + 30_000,
        payload: { 'dev.oxagry.inventory.ReleaseReservation': { orderId: ORDER, reason: 'ORDER_CANCELLED' } },
      },
    },
  ],
  Product: [
    {
      name: 'seed',
      value: {
        productId: SEED,
        name: 'Winter wheat seed, 25 kg bag',
        category: 'SEED',
        unit: '25 kg bag',
        unitPriceMinor: 3450,
        currency: EUR,
        lowStockThreshold: 50,
        active: true,
      },
    },
  ],
  MachinePing: [
    {
      name: 'moving',
      value: {
        pingId: 'c3d2e1f0-6f7e-4233-a2b1-6a7b8c9d0cbc',
        machineId: TRACTOR,
        sequence: 184_467,
        eventTime: T0 + 30_000,
        latitude: 52.38112,
        longitude: 9.72231,
        speedKmh: 11.5,
        headingDegrees: 87.25,
        accuracyMeters: 2.5,
        engineState: 'RUNNING',
        fuelLevelPercent: 64.5,
      },
    },
    {
      name: 'standing',
      value: {
        pingId: 'd4e3f2a1-7a8f-4344-b3c2-7b8c9d0e0dcd',
        machineId: TRACTOR,
        sequence: 184_468,
        eventTime: T0 + 40_000,
        latitude: 52.38113,
        longitude: 9.72232,
        speedKmh: 0,
        headingDegrees: null,
        accuracyMeters: 3,
        engineState: 'IDLE',
        fuelLevelPercent: null,
      },
    },
  ],
  Geofence: [
    {
      name: 'field',
      value: {
        geofenceId: NORTH_FIELD,
        name: 'North field',
        kind: 'FIELD',
        boundary: [
          { latitude: 52.3801, longitude: 9.7201 },
          { latitude: 52.3829, longitude: 9.7203 },
          { latitude: 52.3827, longitude: 9.7252 },
          { latitude: 52.3799, longitude: 9.725 },
        ],
        active: true,
        updatedAt: T0 - 30 * 86_400_000,
      },
    },
  ],
  MachinePosition: [
    {
      name: 'in-field',
      value: {
        machineId: TRACTOR,
        eventTime: T0 + 30_000,
        latitude: 52.38112,
        longitude: 9.72231,
        speedKmh: 11.5,
        headingDegrees: 87.25,
        accuracyMeters: 2.5,
        engineState: 'RUNNING',
        fuelLevelPercent: 64.5,
        lastPingId: 'c3d2e1f0-6f7e-4233-a2b1-6a7b8c9d0cbc',
        lastSequence: 184_467,
        geofenceIds: [NORTH_FIELD],
      },
    },
  ],
  GeofenceTransition: [
    {
      name: 'entered',
      value: {
        transitionId: 'e5f4a3b2-8b9a-5455-84d3-8c9d0e1f0ede',
        machineId: TRACTOR,
        geofenceId: YARD,
        direction: 'ENTERED',
        eventTime: T0 + 3_600_000,
        latitude: 52.37551,
        longitude: 9.73302,
        pingId: 'f6a5b4c3-9cab-4566-95e4-9d0e1f2a0fef',
      },
    },
  ],
  MachineSession: [
    {
      name: 'closed-trip',
      value: {
        sessionId: '07b6c5d4-adbc-4677-a6f5-0e1f2a3b1000',
        machineId: TRACTOR,
        kind: 'TRIP',
        state: 'CLOSED',
        startedAt: T0,
        endedAt: T0 + 3_540_000,
        startLatitude: 52.37551,
        startLongitude: 9.73302,
        endLatitude: 52.38112,
        endLongitude: 9.72231,
        distanceMeters: 1843.7,
        maxSpeedKmh: 24.75,
        pingCount: 354,
        fuelUsedPercent: 2.5,
      },
    },
  ],
  Machine: [
    {
      name: 'tractor-for-rent',
      value: {
        machineId: TRACTOR,
        machineType: 'TRACTOR',
        model: 'MF-8S',
        rentalProductId: RENTAL,
        depotWarehouseId: DEPOT,
        active: true,
        updatedAt: T0 - 90 * DAY,
      },
    },
    {
      name: 'not-for-rent',
      value: {
        machineId: machineId('JD-S790-00007'),
        machineType: 'COMBINE',
        model: 'JD-S790',
        rentalProductId: null,
        depotWarehouseId: null,
        active: false,
        updatedAt: T0 - 10 * DAY,
      },
    },
  ],
  BookingCommand: [
    {
      name: 'request',
      value: {
        commandId: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f',
        bookingId: BOOKING,
        machineType: 'TRACTOR',
        occurredAt: T0,
        payload: {
          'dev.oxagry.bookings.RequestBooking': {
            customerId: CUSTOMER,
            fieldId: NORTH_FIELD,
            startsAt: T0 + 7 * DAY,
            endsAt: T0 + 9 * DAY,
            days: 2,
          },
        },
      },
    },
    {
      name: 'cancel',
      value: {
        commandId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e',
        bookingId: BOOKING,
        machineType: 'TRACTOR',
        occurredAt: T0 + DAY,
        payload: { 'dev.oxagry.bookings.CancelBooking': { note: 'weather: harvest moved' } },
      },
    },
    {
      name: 'order-decided',
      value: {
        commandId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6f',
        bookingId: BOOKING,
        machineType: 'TRACTOR',
        occurredAt: T0 + 2_000,
        payload: { 'dev.oxagry.bookings.OrderDecided': { orderId: ORDER, confirmed: true, note: null } },
      },
    },
  ],
  BookingEvent: [
    {
      name: 'requested',
      value: {
        ...bookingEvent(1, T0),
        payload: {
          'dev.oxagry.bookings.BookingRequested': {
            customerId: CUSTOMER,
            machineType: 'TRACTOR',
            fieldId: NORTH_FIELD,
            startsAt: T0 + 7 * DAY,
            endsAt: T0 + 9 * DAY,
            days: 2,
          },
        },
      },
    },
    {
      name: 'assigned',
      value: {
        ...bookingEvent(2, T0 + 5),
        payload: {
          'dev.oxagry.bookings.MachineAssigned': {
            machineId: TRACTOR,
            orderId: ORDER,
            amountMinor: 76000,
            currency: EUR,
          },
        },
      },
    },
    {
      name: 'confirmed',
      value: {
        ...bookingEvent(3, T0 + 2_000),
        payload: { 'dev.oxagry.bookings.BookingConfirmed': { machineId: TRACTOR } },
      },
    },
    {
      name: 'rejected',
      value: {
        ...bookingEvent(4, T0 + 5),
        payload: {
          'dev.oxagry.bookings.BookingRejected': {
            reason: 'NO_MACHINE_AVAILABLE',
            note: 'every TRACTOR is booked on some of those days',
          },
        },
      },
    },
    {
      name: 'cancelled',
      value: {
        ...bookingEvent(5, T0 + DAY),
        payload: {
          'dev.oxagry.bookings.BookingCancelled': { machineId: TRACTOR, note: 'customer: weather' },
        },
      },
    },
    {
      name: 'en-route',
      value: {
        ...bookingEvent(6, T0 + 7 * DAY - 1_800_000),
        payload: {
          'dev.oxagry.bookings.MachineEnRoute': { machineId: TRACTOR, latitude: 52.371, longitude: 9.71 },
        },
      },
    },
    {
      name: 'arrived',
      value: {
        ...bookingEvent(7, T0 + 7 * DAY - 60_000),
        payload: {
          'dev.oxagry.bookings.MachineArrived': { machineId: TRACTOR, latitude: 52.3802, longitude: 9.7203 },
        },
      },
    },
    {
      name: 'work-started',
      value: {
        ...bookingEvent(8, T0 + 7 * DAY + 300_000),
        payload: {
          'dev.oxagry.bookings.WorkStarted': { machineId: TRACTOR, latitude: 52.381, longitude: 9.722 },
        },
      },
    },
    {
      name: 'done',
      value: {
        ...bookingEvent(9, T0 + 8 * DAY),
        payload: { 'dev.oxagry.bookings.BookingDone': { machineId: TRACTOR } },
      },
    },
    {
      name: 'late',
      value: {
        ...bookingEvent(0, T0 + 7 * DAY + 1_800_000),
        payload: {
          'dev.oxagry.bookings.MachineLate': {
            machineId: TRACTOR,
            dueAt: T0 + 7 * DAY,
            latitude: null,
            longitude: null,
          },
        },
      },
    },
  ],
  NotificationPreference: [
    {
      name: 'email-and-sms-quiet-nights',
      value: {
        recipientId: 'farm-0042',
        updatedAt: T0,
        channels: ['EMAIL', 'SMS'],
        email: 'anna@farm-0042.example',
        phone: '+4917612345678',
        pushDevice: null,
        quietHours: { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Europe/Berlin' },
      },
    },
  ],
  Notification: [
    {
      name: 'order-confirmed-email',
      value: {
        notificationId: '7d3f2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b9',
        recipientId: 'farm-0042',
        customerId: CUSTOMER,
        channel: 'EMAIL',
        address: 'anna@farm-0042.example',
        template: 'ORDER_CONFIRMED',
        subject: 'Your order is confirmed',
        body: 'Your order 6f1c2a4e is confirmed: the goods are reserved and the payment authorised.',
        reference: `order:${ORDER}`,
        sourceEventId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
        occurredAt: T0,
        createdAt: T0 + 40,
        heldUntil: null,
      },
    },
    {
      name: 'machine-late-sms-held',
      value: {
        notificationId: '8e4a3b2c-1d0f-4e9a-b8c7-d6e5f4a3b2c1',
        recipientId: 'farm-0042',
        customerId: CUSTOMER,
        channel: 'SMS',
        address: '+4917612345678',
        template: 'MACHINE_LATE',
        subject: 'Your machine is late',
        body: 'oxagry: machine MF-8S-00042 is late for gf-north-field (due 06:30 UTC).',
        reference: `booking:${BOOKING}`,
        sourceEventId: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
        occurredAt: T0,
        createdAt: T0 + 40,
        heldUntil: T0 + 3 * 3_600_000,
      },
    },
  ],
  NotificationDelivery: [
    {
      name: 'sent',
      value: {
        notificationId: '7d3f2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b9',
        recipientId: 'farm-0042',
        channel: 'EMAIL',
        status: 'SENT',
        providerReference: 'sim-email-000001',
        reason: null,
        attempts: 1,
        at: T0 + 90,
      },
    },
    {
      name: 'failed',
      value: {
        notificationId: '8e4a3b2c-1d0f-4e9a-b8c7-d6e5f4a3b2c1',
        recipientId: 'farm-0042',
        channel: 'SMS',
        status: 'FAILED',
        providerReference: null,
        reason: 'the number does not take SMS',
        attempts: 1,
        at: T0 + 90,
      },
    },
  ],
  DeadLetter: [
    {
      name: 'bad-magic-byte',
      value: {
        deadLetterId: '18c7d6e5-becd-4788-b7a6-1f2a3b4c2111',
        application: 'oxagry-live-tracking',
        stage: 'DESERIALIZATION',
        sourceTopic: 'fleet.machine-pings.v1',
        sourcePartition: 7,
        sourceOffset: 1_048_576,
        sourceTimestamp: T0,
        key: Buffer.from('MF-8S-00042'),
        value: Buffer.from('{"lat":52.1}'),
        headers: { 'content-type': Buffer.from('application/json') },
        errorCode: 'OXA_AVRO_BAD_MAGIC_BYTE',
        errorMessage: 'fleet.machine-pings.v1: magic byte 123, expected 0',
        retriable: false,
        failedAt: T0 + 250,
      },
    },
  ],
}
