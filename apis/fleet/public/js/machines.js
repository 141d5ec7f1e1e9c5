// What the map knows of a machine beyond its position: status, type and booking, and the filter over
// them. No DOM here: the unit tests import this module in Node.

export const STATUSES = ['moving', 'idle', 'off', 'unknown']
export const STATUS_COLORS = { moving: '#1565c0', idle: '#f9a825', off: '#616161', unknown: '#bdbdbd' }
/** A machine's booking state when the feed carries none. */
export const NO_BOOKING = 'none'

/** The read model's rule (ports.ts statusOf): moving at 1 km/h or more, else by engine state. */
export function statusOf(m) {
  if (m.speedKmh >= 1) return 'moving'
  if (m.engineState === 'OFF') return 'off'
  if (m.engineState === 'IDLE' || m.engineState === 'RUNNING') return 'idle'
  return 'unknown'
}

/**
 * The machine's type: the feed's `machineType` when it carries one, else the model in the id, as the simulator names
 * machines (JD-8R-00042 is a JD-8R).
 */
export function machineTypeOf(m) {
  if (typeof m.machineType === 'string' && m.machineType !== '') return m.machineType
  const match = /^(.+)-\d+$/.exec(m.machineId)
  return match === null ? m.machineId : match[1]
}

/**
 * The machine's booking state (`assigned`, `booked`, `en-route`, `arrived`, `working`) or NO_BOOKING.
 * The feed carries a `booking` when the platform runs the bookings domain; without one every machine
 * is NO_BOOKING and the booking filter, the booking details and late alerts stay empty.
 */
export function bookingStateOf(m) {
  return m.booking !== null && typeof m.booking === 'object' && typeof m.booking.state === 'string'
    ? m.booking.state
    : NO_BOOKING
}

/** What is hidden: a value not named is shown, so a type or booking state seen for the first time shows. */
export function emptyFilter() {
  return { statuses: new Set(), types: new Set(), bookings: new Set() }
}

export function matches(filter, m) {
  return (
    !filter.statuses.has(statusOf(m)) &&
    !filter.types.has(machineTypeOf(m)) &&
    !filter.bookings.has(bookingStateOf(m))
  )
}
