import test from 'ava'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { assertNever } from './write-models.ts'

test('an unhandled write model is a typed error the sink retries and then stops on', (t) => {
  const error = t.throws(() => assertNever({ kind: 'delete-all' } as never, 'write model'), {
    instanceOf: SinkError,
  })
  t.is(error?.code, SINK_ERROR_CODES.UNEXPECTED_VARIANT)
  t.true(error?.retriable)
  t.regex(error?.message ?? '', /unexpected write model: \{"kind":"delete-all"\}/)
})
