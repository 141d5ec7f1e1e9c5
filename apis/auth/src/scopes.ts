/**
 * The scopes of the commerce API's tokens. `commerce:operator` is staff only: refunds and stock
 * adjustments. A token with the customer claim reads and writes only that customer's orders.
 */
export const COMMERCE_SCOPES = {
  read: 'commerce:read',
  write: 'commerce:write',
  operator: 'commerce:operator',
} as const
