import test from 'ava'
import { emptyLog, enteredSince, readLine } from './protocol.ts'

test('a worker log keeps the last status, every state entered and the first time of each probe', (t) => {
  const log = emptyLog()
  for (const line of [
    'STATE REBALANCING 10',
    'STATUS {"tasks":[],"standbys":[{"task":"0_0","offset":"7"}],"restored":[]}',
    'STATE RUNNING 20',
    'PROBE probe-1 30',
    'STATE REBALANCING 40',
    'PROBE probe-1 50',
    'something a library printed',
    'STATUS {"tasks":["0_0"],"standbys":[],"restored":[{"task":"0_0","restored":0,"total":1}]}',
  ])
    readLine(log, line)
  t.is(enteredSince(log, 'REBALANCING', 0), 10)
  t.is(enteredSince(log, 'REBALANCING', 11), 40)
  t.is(enteredSince(log, 'RUNNING', 21), undefined)
  t.deepEqual(log.probes, new Map([['probe-1', 30]]))
  t.deepEqual(log.status?.tasks, ['0_0'])
})
