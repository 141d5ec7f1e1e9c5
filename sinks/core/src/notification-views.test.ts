import test from 'ava'
import type { CustomerId, Notification, NotificationDelivery } from '@oxagry/avro'
import { SINK_ERROR_CODES } from './errors.ts'
import { MemoryNotificationView } from './notification-views.ts'

const T0 = 1_700_000_000_000

function notification(n: number, customer: string | null = 'farm-1', createdAt = T0 + n): Notification {
  return {
    notificationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    recipientId: customer ?? 'operator:warehouse',
    customerId: customer as CustomerId | null,
    channel: 'EMAIL',
    address: 'x@example.invalid',
    template: 'ORDER_CONFIRMED',
    subject: `subject ${n}`,
    body: `body ${n}`,
    reference: `order:${n}`,
    sourceEventId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    occurredAt: T0,
    createdAt,
    heldUntil: null,
  }
}

function delivery(n: number, status: 'SENT' | 'FAILED', reason: string | null = null): NotificationDelivery {
  return {
    notificationId: notification(n).notificationId,
    recipientId: 'farm-1',
    channel: 'EMAIL',
    status,
    providerReference: status === 'SENT' ? `ref-${n}` : null,
    reason,
    attempts: 1,
    at: T0 + 1000 + n,
  }
}

test("a customer's notifications newest first, paged by an opaque cursor, with their delivery state", async (t) => {
  const view = new MemoryNotificationView()
  for (const n of [1, 3, 2, 4, 5]) view.applyNotification(notification(n))
  view.applyNotification(notification(6, 'farm-2'))
  view.applyNotification(notification(7, null))
  view.applyDelivery(delivery(5, 'SENT'))
  view.applyDelivery(delivery(4, 'FAILED', 'refused'))
  const first = await view.customerNotifications({ customerId: 'farm-1', limit: 2 })
  t.deepEqual(
    first.items.map((v) => [v.subject, v.state, v.failureReason]),
    [
      ['subject 5', 'SENT', null],
      ['subject 4', 'FAILED', 'refused'],
    ],
  )
  t.is(first.items[0]!.deliveredAt, T0 + 1005)
  const second = await view.customerNotifications({
    customerId: 'farm-1',
    limit: 2,
    cursor: first.nextCursor!,
  })
  t.deepEqual(
    second.items.map((v) => [v.subject, v.state]),
    [
      ['subject 3', 'PENDING'],
      ['subject 2', 'PENDING'],
    ],
  )
  const third = await view.customerNotifications({
    customerId: 'farm-1',
    limit: 2,
    cursor: second.nextCursor!,
  })
  t.deepEqual(
    third.items.map((v) => v.subject),
    ['subject 1'],
  )
  t.is(third.nextCursor, undefined)
  t.deepEqual(
    (await view.customerNotifications({ customerId: 'farm-2' })).items.map((v) => v.subject),
    ['subject 6'],
  )
})

test('a delivery before its notification waits for it; a SENT one is not undone by a later outcome', async (t) => {
  const view = new MemoryNotificationView()
  view.applyDelivery(delivery(1, 'SENT'))
  view.applyNotification(notification(1))
  view.applyDelivery(delivery(1, 'FAILED', 'late duplicate'))
  const [v] = (await view.customerNotifications({ customerId: 'farm-1' })).items
  t.like(v, { state: 'SENT', failureReason: null })
})

test('only the newest notifications per customer are kept', async (t) => {
  const view = new MemoryNotificationView({ perCustomer: 2 })
  for (const n of [1, 2, 3]) view.applyNotification(notification(n))
  t.deepEqual(
    (await view.customerNotifications({ customerId: 'farm-1' })).items.map((v) => v.subject),
    ['subject 3', 'subject 2'],
  )
})

test('a forged cursor or a limit out of range is an invalid query naming the argument', async (t) => {
  const view = new MemoryNotificationView()
  const forged = await t.throwsAsync(view.customerNotifications({ customerId: 'farm-1', cursor: 'abc' }))
  t.like(forged, {
    code: SINK_ERROR_CODES.INVALID_QUERY,
    message: '/query/cursor is not a cursor this API returned',
  })
  const limit = await t.throwsAsync(view.customerNotifications({ customerId: 'farm-1', limit: 0 }))
  t.like(limit, { code: SINK_ERROR_CODES.INVALID_QUERY })
  t.regex(limit!.message, /^\/query\/limit/)
})
