import test from 'ava'
import { caughtUp } from './caught-up.ts'

test('a member at the end its fetch found has caught up; under read_committed the commit marker before it does not count', (t) => {
  t.true(caughtUp(10n, 10n, false))
  t.false(caughtUp(9n, 10n, false), 'read_uncommitted: a record is left')
  t.true(caughtUp(9n, 10n, true), 'read_committed: only the last transaction marker is left')
  t.false(caughtUp(8n, 10n, true), 'read_committed: a record is left as well')
})
