import test from 'ava'
import { account, only, tally } from './accounting.ts'

test('every record once: nothing lost, nothing duplicated', (t) => {
  t.deepEqual(account(['a', 'b'], tally(['b', 'a'])), {
    in: 2,
    out: 2,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
  })
})

test('a missing record is lost, an extra copy is a duplicate, a stranger is unexpected', (t) => {
  t.deepEqual(account(['a', 'b', 'c'], tally(['a', 'a', 'a', 'c', 'z'])), {
    in: 3,
    out: 2,
    lost: 1,
    duplicated: 2,
    unexpected: 1,
  })
})

test("a fault's share of a run counts its own records only", (t) => {
  const found = tally(['a', 'b', 'b'])
  t.deepEqual(account(['b'], only(found, new Set(['b']))), {
    in: 1,
    out: 1,
    lost: 0,
    duplicated: 1,
    unexpected: 0,
  })
})
