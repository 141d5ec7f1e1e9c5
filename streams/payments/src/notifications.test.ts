import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type DeadLetter,
  type OrderValidation,
  type PaymentEvent,
  type ProviderNotification,
} from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import { notificationOf, type WebhookNotification } from '@oxagry/payment-webhooks'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { outcomeEvent, pendingNote } from './commands.ts'
import { PAYMENTS_ERROR_CODES } from './errors.ts'
import { paymentEventIdOf } from './ids.ts'
import { DEFAULT_PAYMENTS_TOPICS as T, type PaymentsSerdes } from './options.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { paymentCommand } from './testing.ts'
import { buildPaymentsTopology } from './topology.ts'

const S = Serdes.String()
const T0 = 1_700_000_000_000
const UNMATCHED_MS = 60_000

let serdes: PaymentsSerdes
test.before(async () => {
  serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

function setup() {
  const driver = new TopologyTestDriver(
    buildPaymentsTopology({
      serdes,
      notifications: { unmatchedNotificationMs: UNMATCHED_MS, checkIntervalMs: 1_000 },
    }),
    { applicationId: 'payments-notifications-test' },
  )
  const notifications = driver.createInputTopic(T.providerNotifications, S, serdes.providerNotification)
  const payments = driver.createInputTopic(T.paymentEvents, S, serdes.paymentEvent)
  const events = driver.createOutputTopic<string, PaymentEvent>(T.paymentEvents, S, serdes.paymentEvent)
  const validations = driver.createOutputTopic<string, OrderValidation>(
    T.orderValidations,
    S,
    serdes.validation,
  )
  const deadLetters = driver.createOutputTopic<string, DeadLetter>(T.deadLetters, S, serdes.deadLetter)
  const note = (n: ProviderNotification, at = T0 + 100) => notifications.pipeInput(n.orderId, n, at)
  return { driver, notifications, payments, events, validations, deadLetters, note }
}

const order = (n: string) => nameUuid(`order:notifications:${n}`)

function report(
  command: ReturnType<typeof paymentCommand>,
  over: Partial<WebhookNotification> = {},
): ProviderNotification {
  return notificationOf(
    {
      id: `evt_${command.commandId.slice(0, 8)}`,
      paymentId: command.paymentId,
      orderId: command.orderId,
      operation: 'authorise',
      outcome: 'approved',
      amountMinor: 6900,
      currency: 'EUR',
      reference: 'SIM-AUTH-1',
      expiresAt: T0 + 86_400_000,
      occurredAt: T0 + 2_000,
      ...over,
    },
    'simulated',
    T0 + 2_100,
  )
}

const pending = { status: 'pending', reference: 'SIM-PEND-1', at: T0 + 50 } as const
/** Decoded records are avsc classes; compare their data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v))
const stepOf = (e: PaymentEvent) => Object.keys(e.payload)[0]?.split('.').pop()

test('pending note, then the report: one PaymentAuthorised with the synchronous id, one PAYMENT answer; a redelivered report writes nothing', (t) => {
  const s = setup()
  const command = paymentCommand(order('a'), 'authorise', 6900, T0)
  s.note(pendingNote(command, pending))
  t.true(s.events.isEmpty(), 'a pending note writes no outcome')
  s.note(report(command), T0 + 2_100)
  s.note(report(command), T0 + 2_200)
  s.note(report(command), T0 + 9_000)
  const events = s.events.readValuesToList()
  t.deepEqual(events.map(stepOf), ['PaymentAuthorised'])
  t.is(events[0]!.eventId, paymentEventIdOf(command.commandId, 'outcome'))
  t.like(events[0]!.payload, {
    'dev.oxagry.payments.PaymentAuthorised': {
      amountMinor: 6900,
      currency: 'EUR',
      authorisationCode: 'SIM-AUTH-1',
    },
  })
  t.is(events[0]!.occurredAt, T0 + 2_000, 'the event time is when the provider decided')
  t.deepEqual(
    s.validations.readValuesToList().map((v) => [v.check, v.passed]),
    [['PAYMENT', true]],
  )
  t.is(s.driver.droppedRecords().filter((d) => /delivered again/.test(d.reason)).length, 2)
  s.driver.advanceWallClockTime(UNMATCHED_MS * 2)
  t.true(s.deadLetters.isEmpty())
})

test('the webhook path writes the very event the synchronous path would have: same id, same body', (t) => {
  const s = setup()
  const command = paymentCommand(order('same'), 'authorise', 6900, T0)
  s.note(pendingNote(command, pending))
  s.note(report(command))
  const viaWebhook = s.events.readValue()
  const viaCall = outcomeEvent(command, {
    status: 'approved',
    reference: 'SIM-AUTH-1',
    amountMinor: 6900,
    currency: 'EUR',
    expiresAt: T0 + 86_400_000,
    at: T0 + 2_000,
  })
  t.deepEqual(plain(viaWebhook), plain(viaCall))
})

test('a report before the gateway note waits for it, then becomes the one outcome', (t) => {
  const s = setup()
  const command = paymentCommand(order('early'), 'authorise', 6900, T0)
  s.note(report(command), T0 + 10)
  s.driver.advanceWallClockTime(UNMATCHED_MS / 2)
  t.true(s.events.isEmpty())
  s.note(pendingNote(command, pending), T0 + 20)
  t.deepEqual(
    s.events.readValuesToList().map((e) => e.eventId),
    [paymentEventIdOf(command.commandId, 'outcome')],
  )
  s.driver.advanceWallClockTime(UNMATCHED_MS * 2)
  t.true(s.deadLetters.isEmpty())
})

test('a report of a call answered at once (its outcome on the payment events) writes nothing, before or after it', (t) => {
  const s = setup()
  const before = paymentCommand(order('sync-before'), 'authorise', 6900, T0)
  const after = paymentCommand(order('sync-after'), 'authorise', 6900, T0)
  const sync = (command: typeof before) =>
    outcomeEvent(command, {
      status: 'approved',
      reference: 'SIM-SYNC',
      amountMinor: 6900,
      currency: 'EUR',
      expiresAt: null,
      at: T0,
    })
  // The outcome first, the provider's echo after.
  s.payments.pipeInput(after.orderId, sync(after), T0)
  s.note(report(after), T0 + 1)
  // The report first (held), the gateway's synchronous outcome after: the held report is dropped.
  s.note(report(before), T0 + 2)
  s.payments.pipeInput(before.orderId, sync(before), T0 + 3)
  t.is(s.events.getQueueSize(), 0, 'only the outcomes piped in; nothing written by the notifications')
  s.driver.advanceWallClockTime(UNMATCHED_MS * 2)
  t.true(s.deadLetters.isEmpty(), 'neither report is dead-lettered')
  t.is(s.validations.getQueueSize(), 2, 'each synchronous outcome answers once')
})

test('a report no pending call claims is dead-lettered after the wait, with its bytes and the reason', async (t) => {
  const s = setup()
  const command = paymentCommand(order('unknown'), 'authorise', 6900, T0)
  const unknown = report(command)
  s.note(unknown, T0 + 5)
  s.driver.advanceWallClockTime(UNMATCHED_MS - 2_000)
  t.true(s.deadLetters.isEmpty())
  s.driver.advanceWallClockTime(3_000)
  const [dead] = s.deadLetters.readValuesToList()
  t.is(dead?.errorCode, PAYMENTS_ERROR_CODES.NOTIFICATION_UNMATCHED)
  t.is(dead?.stage, 'PROCESSING')
  t.is(dead?.sourceTopic, T.providerNotifications)
  t.regex(dead?.errorMessage ?? '', /no pending call/)
  t.deepEqual(
    plain(await serdes.providerNotification.deserialize(T.providerNotifications, dead!.value!, {})),
    plain(unknown),
  )
  t.true(s.events.isEmpty())
  s.driver.advanceWallClockTime(UNMATCHED_MS * 2)
  t.true(s.deadLetters.isEmpty(), 'dead-lettered once')
})

test('a report that cannot be the pending call (another currency, more than asked) is dead-lettered at once; the right one still settles', (t) => {
  const s = setup()
  const command = paymentCommand(order('mismatch'), 'authorise', 6900, T0)
  s.note(pendingNote(command, pending))
  s.note(report(command, { id: 'evt_sek', currency: 'SEK' }))
  s.note(report(command, { id: 'evt_more', amountMinor: 7000 }))
  const dead = s.deadLetters.readValuesToList()
  t.deepEqual(
    dead.map((d) => d.errorCode),
    [PAYMENTS_ERROR_CODES.NOTIFICATION_INVALID, PAYMENTS_ERROR_CODES.NOTIFICATION_INVALID],
  )
  t.regex(dead[0]!.errorMessage, /SEK/)
  t.regex(dead[1]!.errorMessage, /7000/)
  t.true(s.events.isEmpty())
  s.note(report(command))
  t.deepEqual(s.events.readValuesToList().map(stepOf), ['PaymentAuthorised'])
})

test('a declined report fails the payment with its reason and message; a pending capture settles as PaymentCaptured', (t) => {
  const s = setup()
  const auth = paymentCommand(order('declined'), 'authorise', 6900, T0)
  s.note(pendingNote(auth, pending))
  s.note(
    report(auth, { outcome: 'declined', reason: 'DECLINED', message: '3-D Secure failed', reference: null }),
  )
  const capture = paymentCommand(order('capture'), 'capture', 6900, T0)
  s.note(pendingNote(capture, pending))
  s.note(report(capture, { operation: 'capture', reference: 'SIM-C' }))
  const events = s.events.readValuesToList()
  t.deepEqual(events.map(stepOf), ['PaymentFailed', 'PaymentCaptured'])
  t.like(events[0]!.payload, {
    'dev.oxagry.payments.PaymentFailed': { reason: 'DECLINED', message: '3-D Secure failed' },
  })
  t.is(events[1]!.eventId, paymentEventIdOf(capture.commandId, 'outcome'))
  t.deepEqual(
    s.validations.readValuesToList().map((v) => [v.check, v.passed, v.reason]),
    [['PAYMENT', false, 'PAYMENT_FAILED']],
  )
})

test('a pending note written again (a redelivered command) after the outcome changes nothing', (t) => {
  const s = setup()
  const command = paymentCommand(order('renote'), 'authorise', 6900, T0)
  s.note(pendingNote(command, pending))
  s.note(report(command))
  s.note(pendingNote(command, pending))
  s.note(report(command, { id: 'evt_other_delivery' }))
  t.is(s.events.readValuesToList().length, 1)
})
