import test from 'ava'
import { Ajv } from 'ajv'
import { notificationOf, WEBHOOK_NOTIFICATION_SCHEMA, type WebhookNotification } from './notification.ts'

const BODY: WebhookNotification = {
  id: 'evt_1',
  paymentId: '0b6e3a59-2c1d-4f8e-a7b6-c5d4e3f2a1b0',
  orderId: '6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f',
  operation: 'authorise',
  outcome: 'approved',
  amountMinor: 6900,
  currency: 'EUR',
  reference: 'SIM-ABC',
  expiresAt: 1_800_000_000_000,
  occurredAt: 1_764_540_000_000,
}

test('the schema accepts a valid body and names the field of a bad one; a decline needs its reason', (t) => {
  const validate = new Ajv({ allErrors: true }).compile(WEBHOOK_NOTIFICATION_SCHEMA)
  t.true(validate(BODY))
  t.false(validate({ ...BODY, amountMinor: -1 }))
  t.is(validate.errors?.[0]?.instancePath, '/amountMinor')
  t.false(validate({ ...BODY, operation: 'steal' }))
  t.is(validate.errors?.[0]?.instancePath, '/operation')
  t.false(validate({ ...BODY, extra: 1 }))
  t.false(validate({ ...BODY, outcome: 'declined' }))
  t.true(validate({ ...BODY, outcome: 'declined', reason: 'DECLINED', message: '3-D Secure failed' }))
})

test('an approval becomes ProviderOutcomeReported with its reference and expiry; a decline with its reason and message', (t) => {
  const approved = notificationOf(BODY, 'simulated', 1_764_540_000_500)
  t.deepEqual(approved, {
    notificationId: 'evt_1',
    paymentId: BODY.paymentId,
    orderId: BODY.orderId,
    operation: 'AUTHORISE',
    occurredAt: BODY.occurredAt,
    payload: {
      'dev.oxagry.payments.ProviderOutcomeReported': {
        provider: 'simulated',
        approved: true,
        providerReference: 'SIM-ABC',
        amountMinor: 6900,
        currency: 'EUR',
        expiresAt: 1_800_000_000_000,
        failureReason: null,
        message: null,
        receivedAt: 1_764_540_000_500,
      },
    },
  })
  const declined = notificationOf(
    { ...BODY, operation: 'capture', outcome: 'declined', reason: 'EXPIRED', message: 'lapsed' },
    'simulated',
    1,
  )
  t.is(declined.operation, 'CAPTURE')
  t.like(declined.payload, {
    'dev.oxagry.payments.ProviderOutcomeReported': {
      approved: false,
      providerReference: null,
      expiresAt: null,
      failureReason: 'EXPIRED',
      message: 'lapsed',
    },
  })
})
