import { createHmac, timingSafeEqual } from 'node:crypto'
import { WEBHOOK_ERROR_CODES, WebhookError } from './errors.ts'

// The signature scheme is Stripe's: the provider signs `<t>.<raw body>` with HMAC-SHA256 under a
// secret shared with us and sends `t=<unix seconds>,v1=<hex>` in a header. The timestamp is signed,
// so a captured notification replayed later fails the tolerance; several v1 entries let the provider
// sign with an old and a new secret while the secret is rotated.

/** The header the signature travels in. */
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature'

/** How far the signed time may lie from ours by default; seconds (Stripe's default). */
export const DEFAULT_TOLERANCE_SECONDS = 300

/** The shortest secret accepted: 16 bytes of key material, HMAC-SHA256's own floor is lower. */
export const MIN_SECRET_LENGTH = 16

const HEADER_PART = /^(t|v1)=([^,=\s]+)$/
const HEX_SIGNATURE = /^[0-9a-f]{64}$/

function hmac(secret: string, timestamp: number, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest()
}

/** The header value for a body signed at `timestampSeconds`, as the provider sends it. */
export function signWebhook(secret: string, body: Buffer | string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmac(secret, timestampSeconds, body).toString('hex')}`
}

export interface VerifyWebhookOptions {
  /** The shared secret; more than one while rotating (any may have signed). */
  readonly secrets: readonly string[]
  /** The header's value, as received. */
  readonly header: string | undefined
  /** The raw body, byte for byte as received: a re-serialized body would not match. */
  readonly body: Buffer
  /** Now, in ms. */
  readonly nowMs: number
  readonly toleranceSeconds?: number
}

/** The parsed header: the signed time and every v1 signature. */
export function parseSignatureHeader(header: string | undefined): {
  timestamp: number
  signatures: Buffer[]
} {
  if (header === undefined || header.trim() === '')
    throw new WebhookError(
      WEBHOOK_ERROR_CODES.SIGNATURE_MISSING,
      `the ${WEBHOOK_SIGNATURE_HEADER} header is missing`,
      {
        path: `/headers/${WEBHOOK_SIGNATURE_HEADER}`,
      },
    )
  let timestamp: number | undefined
  const signatures: Buffer[] = []
  const malformed = (why: string) =>
    new WebhookError(
      WEBHOOK_ERROR_CODES.SIGNATURE_MALFORMED,
      `the ${WEBHOOK_SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex>: ${why}`,
      { path: `/headers/${WEBHOOK_SIGNATURE_HEADER}` },
    )
  for (const part of header.split(',')) {
    const match = HEADER_PART.exec(part.trim())
    // Other schemes (v0, a future v2) are skipped, as Stripe's clients do.
    if (match === null) {
      if (/^[a-z0-9]+=/.test(part.trim())) continue
      throw malformed(`${JSON.stringify(part.slice(0, 40))} is not key=value`)
    }
    const [, key, value] = match as unknown as [string, string, string]
    if (key === 't') {
      if (timestamp !== undefined) throw malformed('t is given twice')
      if (!/^\d{1,12}$/.test(value)) throw malformed(`t=${value.slice(0, 20)} is not unix seconds`)
      timestamp = Number(value)
    } else {
      if (!HEX_SIGNATURE.test(value)) throw malformed('v1 must be 64 lower-case hex digits')
      signatures.push(Buffer.from(value, 'hex'))
    }
  }
  if (timestamp === undefined) throw malformed('no t')
  if (signatures.length === 0) throw malformed('no v1 signature')
  return { timestamp, signatures }
}

/**
 * Checks a notification's signature: the header parses, its time is within the tolerance of ours
 * (either side), and one of its v1 signatures is the HMAC of `<t>.<body>` under one of the secrets,
 * compared in constant time. Throws a WebhookError saying which check failed; returns the signed time.
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): number {
  const { timestamp, signatures } = parseSignatureHeader(options.header)
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const skew = Math.abs(options.nowMs / 1000 - timestamp)
  if (skew > tolerance)
    throw new WebhookError(
      WEBHOOK_ERROR_CODES.SIGNATURE_STALE,
      `the signature's time is ${Math.round(skew)} s from ours, more than the ${tolerance} s tolerated`,
      { path: `/headers/${WEBHOOK_SIGNATURE_HEADER}` },
    )
  for (const secret of options.secrets) {
    const expected = hmac(secret, timestamp, options.body)
    // Every signature is compared, whatever the first gave: the time taken says nothing either.
    let matched = false
    for (const signature of signatures) if (timingSafeEqual(expected, signature)) matched = true
    if (matched) return timestamp
  }
  throw new WebhookError(
    WEBHOOK_ERROR_CODES.SIGNATURE_MISMATCH,
    'no signature matches the body under the configured secret',
    { path: `/headers/${WEBHOOK_SIGNATURE_HEADER}` },
  )
}
