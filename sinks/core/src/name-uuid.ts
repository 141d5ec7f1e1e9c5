import { createHash } from 'node:crypto'

/** The URL namespace of RFC 4122 (the one @oxagry/tracking uses too); names are `oxagry:` URNs under it. */
const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex')

/**
 * A name-based (version 5, SHA-1) UUID: the same name always gives the same id, so a record
 * dead-lettered again after a replay gets the id it had the first time. Kept here rather than imported
 * from @oxagry/tracking, an application the sink framework must not depend on.
 */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`oxagry:${name}`).digest()
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
