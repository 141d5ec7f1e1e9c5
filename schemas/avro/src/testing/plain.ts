/**
 * A decoded record as plain data. avsc decodes records into instances of generated classes, which a deep
 * equality check tells apart from object literals; tests compare values, not prototypes.
 */
export function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(plain)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
}
