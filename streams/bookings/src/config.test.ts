import test from 'ava'
import { readBookingsEnv } from './config.ts'
import { BOOKINGS_ERROR_CODES, BookingsError } from './errors.ts'
import { resolveBookingsOptions } from './options.ts'

test('the environment is read once with the local stack as default, timings in milliseconds', (t) => {
  const env = readBookingsEnv({ BOOKINGS_LATE_GRACE_MS: '60000' })
  t.is(env.applicationId, 'oxagry-bookings')
  t.is(env.httpPort, 9468)
  t.is(env.processingGuarantee, 'exactly_once')
  t.is(env.timing.lateGraceMs, 60_000)
  t.is(env.timing.enRouteLeadMs, 3 * 3_600_000)
})

test('every bad variable is reported at once, with a typed error', (t) => {
  const error = t.throws(
    () =>
      readBookingsEnv({ BOOKINGS_LATE_GRACE_MS: 'soon', BOOKINGS_HTTP_PORT: '70000', KAFKA_CLIENT: 'java' }),
    { instanceOf: BookingsError },
  )
  t.is(error?.code, BOOKINGS_ERROR_CODES.INVALID_OPTIONS)
  for (const name of ['BOOKINGS_LATE_GRACE_MS', 'BOOKINGS_HTTP_PORT', 'KAFKA_CLIENT'])
    t.regex(error?.message ?? '', new RegExp(name))
})

test('options are checked at the boundary, naming the path', (t) => {
  const timing = t.throws(() => resolveBookingsOptions({ serdes: {} as never, timing: { lateGraceMs: 0 } }), {
    instanceOf: BookingsError,
  })
  t.is(timing?.context.path, 'timing.lateGraceMs')
  const partitions = t.throws(
    () => resolveBookingsOptions({ serdes: {} as never, schedulePartitions: 1.5 }),
    {
      instanceOf: BookingsError,
    },
  )
  t.is(partitions?.context.path, 'schedulePartitions')
})
