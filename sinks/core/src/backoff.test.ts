import test from 'ava'
import { backoffDelay } from './backoff.ts'

test('backoff doubles up to the bound, with jitter in the upper half', (t) => {
  const options = { attempts: 10, baseMs: 100, maxMs: 1000 }
  t.is(
    backoffDelay(1, options, () => 1),
    100,
  )
  t.is(
    backoffDelay(1, options, () => 0),
    50,
  )
  t.is(
    backoffDelay(3, options, () => 1),
    400,
  )
  t.is(
    backoffDelay(8, options, () => 1),
    1000,
  )
  t.is(
    backoffDelay(8, options, () => 0),
    500,
  )
})
