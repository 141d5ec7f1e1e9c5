import { createHash } from 'node:crypto'
import { AVRO_ERROR_CODES, AvroError } from './errors.ts'

/**
 * Branded identifiers. Schemas mark a string with `"oxagry.brand": "MachineId"` and the generated
 * types use the brand, so a product id cannot be passed where a warehouse id is expected. A brand is
 * made only by its validating function below (decoded records carry brands because the writer did).
 */
declare const brand: unique symbol
export type Brand<T, Name extends string> = T & { readonly [brand]: Name }

export type OrderId = Brand<string, 'OrderId'>
export type CustomerId = Brand<string, 'CustomerId'>
export type ProductId = Brand<string, 'ProductId'>
export type WarehouseId = Brand<string, 'WarehouseId'>
export type ReservationId = Brand<string, 'ReservationId'>
export type PaymentId = Brand<string, 'PaymentId'>
export type MachineId = Brand<string, 'MachineId'>
export type GeofenceId = Brand<string, 'GeofenceId'>
export type CurrencyCode = Brand<string, 'CurrencyCode'>
export type BookingId = Brand<string, 'BookingId'>

/**
 * Epoch milliseconds (Avro `timestamp-millis`). A number, not a Date: Kafka record timestamps and window
 * arithmetic are numbers, a number costs no allocation per field, and avsc decodes it without a
 * logical-type implementation, so the generated type is exactly what decoding returns.
 */
export type TimestampMillis = number

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
// Ids end up in record keys (`productId|warehouseId`), URLs and log lines: no separators, no spaces.
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const CURRENCY = /^[A-Z]{3}$/

function check<Name extends string>(name: Name, pattern: RegExp, what: string) {
  return (value: string): Brand<string, Name> => {
    if (!pattern.test(value)) {
      throw new AvroError(
        AVRO_ERROR_CODES.INVALID_RECORD,
        `${name} must be ${what}, got ${JSON.stringify(value)}`,
        {
          context: { field: name },
        },
      )
    }
    return value as Brand<string, Name>
  }
}

const token = 'letters, digits, ".", "_" or "-" (at most 128, starting with a letter or digit)'

export const orderId = check('OrderId', UUID, 'a lowercase UUID')
export const reservationId = check('ReservationId', UUID, 'a lowercase UUID')
export const paymentId = check('PaymentId', UUID, 'a lowercase UUID')
export const customerId = check('CustomerId', TOKEN, token)
export const productId = check('ProductId', TOKEN, token)
export const warehouseId = check('WarehouseId', TOKEN, token)
export const machineId = check('MachineId', TOKEN, token)
export const geofenceId = check('GeofenceId', TOKEN, token)
export const bookingId = check('BookingId', UUID, 'a lowercase UUID')
export const currencyCode = check('CurrencyCode', CURRENCY, 'an ISO 4217 alphabetic code such as EUR')

/** The brands schemas may name, mapped to their validating functions (codegen checks against it). */
export const BRANDS = {
  OrderId: orderId,
  ReservationId: reservationId,
  PaymentId: paymentId,
  CustomerId: customerId,
  ProductId: productId,
  WarehouseId: warehouseId,
  MachineId: machineId,
  GeofenceId: geofenceId,
  CurrencyCode: currencyCode,
  BookingId: bookingId,
} as const

export type BrandName = keyof typeof BRANDS

/** The URL namespace of RFC 4122; our names are `oxagry:` URNs under it. */
const NAME_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex')

/**
 * A name-based (version 5, SHA-1) UUID for `uuid` fields derived from their inputs: reprocessing after
 * a crash, or a replay, produces the same ids, so consumers and idempotent sinks see the same record
 * twice rather than two records.
 */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAME_NAMESPACE).update(`oxagry:${name}`).digest()
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
