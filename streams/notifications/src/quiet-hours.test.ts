import test from 'ava'
import { quietHoursProblems, quietUntil } from './quiet-hours.ts'

const berlin = (startMinute: number, endMinute: number) => ({
  startMinute,
  endMinute,
  timeZone: 'Europe/Berlin',
})

test('inside a span past midnight the end is the next local end time; outside, nothing is held', (t) => {
  const q = berlin(22 * 60, 7 * 60)
  // 02:10 local (01:10 UTC) → 07:00 local = 06:00 UTC.
  t.is(quietUntil(Date.UTC(2025, 0, 15, 1, 10, 30), q), Date.UTC(2025, 0, 15, 6, 0, 0))
  // 23:00 local → 07:00 local the next day.
  t.is(quietUntil(Date.UTC(2025, 0, 15, 22, 0, 0), q), Date.UTC(2025, 0, 16, 6, 0, 0))
  t.is(quietUntil(Date.UTC(2025, 0, 15, 12, 0, 0), q), undefined)
  // The end minute itself is no longer quiet.
  t.is(quietUntil(Date.UTC(2025, 0, 15, 6, 0, 0), q), undefined)
})

test('across the spring clock change the end is still the local end time', (t) => {
  // 30 March 2025: Berlin goes from +01:00 to +02:00 at 02:00 local. 00:30 local = 23:30 UTC on the 29th.
  const end = quietUntil(Date.UTC(2025, 2, 29, 23, 30, 0), berlin(0, 6 * 60))
  t.is(end, Date.UTC(2025, 2, 30, 4, 0, 0), '06:00 CEST')
})

test('a span within a day, an empty span, and an unknown zone', (t) => {
  t.is(
    quietUntil(Date.UTC(2025, 0, 15, 12, 30, 0), berlin(13 * 60, 14 * 60)),
    Date.UTC(2025, 0, 15, 13, 0, 0),
  )
  t.is(quietUntil(Date.UTC(2025, 0, 15, 12, 30, 0), berlin(600, 600)), undefined)
  t.is(quietUntil(0, { startMinute: 0, endMinute: 1439, timeZone: 'Mars/Olympus' }), undefined)
  t.is(quietUntil(Date.UTC(2025, 0, 15, 12, 30, 0), berlin(13 * 60, 5000)), undefined)
  t.deepEqual(quietHoursProblems({ startMinute: -1, endMinute: 1440, timeZone: 'Mars/Olympus' }), [
    'quietHours.startMinute must be 0 to 1439, got -1',
    'quietHours.endMinute must be 0 to 1439, got 1440',
    'quietHours.timeZone "Mars/Olympus" is no IANA zone',
  ])
})
