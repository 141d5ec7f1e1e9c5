/** The bookings application's state stores. */
export const BOOKINGS_STORES = {
  /** Every booking by id, on the task of its machine type: its state, machine and order. */
  bookings: 'bookings-store',
  /** Each machine's held and booked days, on the task of its type: what "free" is checked against. */
  calendars: 'bookings-calendars-store',
  /** Rental orders by order id: which booking an order decision belongs to. */
  orders: 'bookings-orders-store',
  /** Each machine's confirmed bookings and their progress, on the task of the machine's positions. */
  schedules: 'bookings-schedules-store',
  /** Global tables: the fleet registry, the product catalogue, the geofences. */
  machines: 'bookings-machines-store',
  products: 'bookings-products-store',
  geofences: 'bookings-geofences-store',
} as const
