import test from 'ava'
import { quietHoursProblems } from '@oxagry/notifications'
import { developmentPreferences, NOTIFICATIONS, STOCK_OPERATOR } from './notifications.ts'

test("the simulated customers' preferences: e-mail for all, SMS, push and quiet hours for some, each with its address", (t) => {
  const prefs = developmentPreferences(20, 1)
  t.is(prefs.length, 21)
  const byId = new Map(prefs.map((p) => [p.recipientId, p]))
  t.deepEqual(byId.get('farm-0001')?.channels, ['EMAIL'])
  t.deepEqual(byId.get('farm-0015')?.channels, ['EMAIL', 'SMS', 'PUSH'])
  for (const p of prefs) {
    t.truthy(p.email, `${p.recipientId} has an e-mail address`)
    t.is(p.channels.includes('SMS'), p.phone !== null)
    t.is(p.channels.includes('PUSH'), p.pushDevice !== null)
    if (p.quietHours !== null) t.deepEqual(quietHoursProblems(p.quietHours), [])
  }
  t.truthy(byId.get('farm-0004')?.quietHours)
  t.deepEqual(byId.get(STOCK_OPERATOR)?.channels, ['EMAIL'])
})

test('the module declares the topics it reads and writes, so the platform creates them', (t) => {
  t.deepEqual(
    Object.values(NOTIFICATIONS)
      .map((s) => s.name)
      .sort(),
    [
      'bookings.booking-events.v1',
      'inventory.stock-events.v1',
      'notifications.dead-letters.v1',
      'notifications.deliveries.v1',
      'notifications.outbox.v1',
      'notifications.preferences.v1',
      'orders.order-events.v1',
    ],
  )
})
