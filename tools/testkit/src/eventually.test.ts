import test from 'ava'
import { eventually } from './eventually.ts'

test('eventually returns the first value a probe gives, probing again after undefined or an error', async (t) => {
  let calls = 0
  const value = await eventually(
    async () => {
      calls++
      if (calls === 1) throw new Error('not up yet')
      return calls === 3 ? 'ready' : undefined
    },
    { timeoutMs: 5_000, intervalMs: 1 },
  )
  t.is(value, 'ready')
  t.is(calls, 3)
})

test('past the timeout the error names what was awaited, the last error and the state', async (t) => {
  const error = await t.throwsAsync(
    eventually(
      async () => {
        throw new Error('connection refused')
      },
      { timeoutMs: 20, intervalMs: 5, what: 'machines over REST', state: () => ({ tracking: 'ERROR' }) },
    ),
  )
  t.regex(error.message, /^machines over REST: not within 20 ms/)
  t.regex(error.message, /connection refused/)
  t.regex(error.message, /"tracking":"ERROR"/)
})
