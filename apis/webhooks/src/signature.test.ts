import test from 'ava'
import { WEBHOOK_ERROR_CODES, WebhookError } from './errors.ts'
import { signWebhook, verifyWebhookSignature } from './signature.ts'

const SECRET = 'whsec_test_0123456789abcdef'
const BODY = Buffer.from('{"id":"evt_1","outcome":"approved","amountMinor":6900}')
const NOW = 1_764_540_000_000
const T = NOW / 1000

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    return error instanceof WebhookError ? error.code : `not a WebhookError: ${String(error)}`
  }
}

test('a body signed with the shared secret verifies, and the signed time is returned', (t) => {
  const header = signWebhook(SECRET, BODY, T)
  t.regex(header, /^t=\d+,v1=[0-9a-f]{64}$/)
  t.is(verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW }), T)
})

test('a tampered body fails: one byte changed, or the same JSON re-serialized with other spacing', (t) => {
  const header = signWebhook(SECRET, BODY, T)
  const tampered = Buffer.from(BODY.toString().replace('6900', '6901'))
  const respaced = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1))
  for (const body of [tampered, respaced])
    t.is(
      codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header, body, nowMs: NOW })),
      WEBHOOK_ERROR_CODES.SIGNATURE_MISMATCH,
    )
})

test('a signature made with another secret fails; while rotating, either configured secret passes', (t) => {
  const header = signWebhook('whsec_someone_else_0000', BODY, T)
  t.is(
    codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW })),
    WEBHOOK_ERROR_CODES.SIGNATURE_MISMATCH,
  )
  t.is(
    verifyWebhookSignature({ secrets: [SECRET, 'whsec_someone_else_0000'], header, body: BODY, nowMs: NOW }),
    T,
  )
})

test('a timestamp outside the tolerance is refused either side; inside it passes', (t) => {
  for (const skew of [-301, 301, 86_400]) {
    const header = signWebhook(SECRET, BODY, T - skew)
    t.is(
      codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW })),
      WEBHOOK_ERROR_CODES.SIGNATURE_STALE,
      `skew ${skew}`,
    )
  }
  t.is(
    verifyWebhookSignature({
      secrets: [SECRET],
      header: signWebhook(SECRET, BODY, T - 299),
      body: BODY,
      nowMs: NOW,
    }),
    T - 299,
  )
  const header = signWebhook(SECRET, BODY, T - 20)
  t.is(
    codeOf(() =>
      verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW, toleranceSeconds: 10 }),
    ),
    WEBHOOK_ERROR_CODES.SIGNATURE_STALE,
  )
})

test('the signed time cannot be moved: a fresh t with the old v1 fails the signature', (t) => {
  const old = signWebhook(SECRET, BODY, T - 3600)
  const v1 = old.split(',')[1]
  t.is(
    codeOf(() =>
      verifyWebhookSignature({ secrets: [SECRET], header: `t=${T},${v1}`, body: BODY, nowMs: NOW }),
    ),
    WEBHOOK_ERROR_CODES.SIGNATURE_MISMATCH,
  )
})

test('a missing or malformed header is refused with the code saying which', (t) => {
  const v1 = signWebhook(SECRET, BODY, T).split(',')[1]!
  t.is(
    codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header: undefined, body: BODY, nowMs: NOW })),
    WEBHOOK_ERROR_CODES.SIGNATURE_MISSING,
  )
  t.is(
    codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header: '  ', body: BODY, nowMs: NOW })),
    WEBHOOK_ERROR_CODES.SIGNATURE_MISSING,
  )
  for (const header of [
    v1,
    `t=${T}`,
    `t=abc,${v1}`,
    `t=${T},t=${T},${v1}`,
    `t=${T},v1=XYZ`,
    `t=${T},v1=${'a'.repeat(63)}`,
    `garbage`,
    `t=${T};${v1}`,
  ])
    t.is(
      codeOf(() => verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW })),
      WEBHOOK_ERROR_CODES.SIGNATURE_MALFORMED,
      header,
    )
})

test('schemes other than v1 are skipped, so a provider adding one does not break us', (t) => {
  const header = `${signWebhook(SECRET, BODY, T)},v0=${'0'.repeat(64)}`
  t.is(verifyWebhookSignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW }), T)
})
