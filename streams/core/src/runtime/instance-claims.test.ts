import test from 'ava'
import { InstanceClaims, type LocalOwnership } from './instance-claims.ts'
import {
  decodeInstanceEntry,
  encodeInstanceEntry,
  instancesTopic,
  type InstanceEntry,
} from './instance-record.ts'

const NOW = 1_000_000

function entry(endpoint: string, partitions: number[], extra: Partial<InstanceEntry> = {}): InstanceEntry {
  return {
    endpoint,
    processId: `${endpoint}-run`,
    state: 'RUNNING',
    partitions: partitions.map((partition) => ({ topic: 'in', partition })),
    publishedAt: NOW,
    standbyPartitions: [],
    ...extra,
  }
}

const elsewhere: LocalOwnership = { endpoint: 'self:1', running: true, owned: new Set() }

test('an instance entry goes through its bytes unchanged, and bytes that are not one are refused', (t) => {
  const e = entry('h:80', [0, 3], {
    state: 'REBALANCING',
    standbyPartitions: [{ topic: 'in', partition: 1 }],
  })
  t.deepEqual(decodeInstanceEntry(encodeInstanceEntry(e)), e)
  // An entry from an instance that knows no standbys reads as one without any.
  const { standbyPartitions: _, ...before } = JSON.parse(encodeInstanceEntry(e).toString()) as Record<
    string,
    unknown
  >
  t.deepEqual(decodeInstanceEntry(Buffer.from(JSON.stringify(before))), { ...e, standbyPartitions: [] })
  t.is(
    decodeInstanceEntry(Buffer.from(JSON.stringify({ ...before, standbyPartitions: [['in', -1]] }))),
    undefined,
  )
  t.is(decodeInstanceEntry(Buffer.from('not json')), undefined)
  t.is(decodeInstanceEntry(Buffer.from('null')), undefined)
  t.is(decodeInstanceEntry(Buffer.from(JSON.stringify({ ...e, version: 2 }))), undefined)
  const bad = JSON.parse(encodeInstanceEntry(e).toString()) as Record<string, unknown>
  t.is(decodeInstanceEntry(Buffer.from(JSON.stringify({ ...bad, partitions: [['in', -1]] }))), undefined)
  t.is(decodeInstanceEntry(Buffer.from(JSON.stringify({ ...bad, state: 'DEAD' }))), undefined)
  t.is(instancesTopic('app'), 'app-instances')
})

test('the claim made last in the topic wins, whatever order the instances say RUNNING in', (t) => {
  const claims = new InstanceClaims(15_000)
  claims.apply('a:1', entry('a:1', [0, 1]), 0)
  claims.apply('b:1', entry('b:1', [2]), 1)
  t.deepEqual(claims.owner(['in:1'], NOW, elsewhere), { kind: 'owned', endpoint: 'a:1' })
  // b is given partition 1 before a has published that it lost it (a crashed, or is slow).
  claims.apply('b:1', entry('b:1', [1, 2]), 2)
  t.deepEqual(claims.owner(['in:1'], NOW, elsewhere), { kind: 'owned', endpoint: 'b:1' })
  // a's heartbeat, still listing partition 1, does not take it back: its claim is older.
  claims.apply('a:1', entry('a:1', [0, 1]), 3)
  t.deepEqual(claims.owner(['in:1'], NOW, elsewhere), { kind: 'owned', endpoint: 'b:1' })
  // a new run behind the same endpoint claims afresh.
  claims.apply('a:1', entry('a:1', [1], { processId: 'again' }), 4)
  t.deepEqual(claims.owner(['in:1'], NOW, elsewhere), { kind: 'owned', endpoint: 'a:1' })
})

test('an owner that is rebalancing, stale or gone is not routed to', (t) => {
  const claims = new InstanceClaims(15_000)
  claims.apply('a:1', entry('a:1', [0], { state: 'REBALANCING' }), 0)
  t.deepEqual(claims.owner(['in:0'], NOW, elsewhere), { kind: 'rebalancing', endpoint: 'a:1' })
  claims.apply('a:1', entry('a:1', [0]), 1)
  t.deepEqual(claims.owner(['in:0'], NOW + 15_000, elsewhere), { kind: 'owned', endpoint: 'a:1' })
  t.deepEqual(claims.owner(['in:0'], NOW + 15_001, elsewhere), { kind: 'unknown' })
  t.deepEqual(claims.fresh(NOW + 15_001), [])
  claims.apply('a:1', undefined, 2)
  t.deepEqual(claims.owner(['in:0'], NOW, elsewhere), { kind: 'unknown' })
  t.deepEqual(claims.owner(['in:5'], NOW, elsewhere), { kind: 'unknown' })
})

test('this instance answers for itself from what it runs, not from its own entries', (t) => {
  const claims = new InstanceClaims(15_000)
  claims.apply('self:1', entry('self:1', [0]), 0)
  claims.apply('b:1', entry('b:1', [1]), 1)
  // Its old entry still claims 0, but it does not run partition 0 any more.
  t.deepEqual(claims.owner(['in:0'], NOW, elsewhere), { kind: 'unknown' })
  const owning = { endpoint: 'self:1', running: true, owned: new Set(['in:1']) }
  t.deepEqual(claims.owner(['in:1'], NOW, owning), { kind: 'owned', endpoint: 'self:1' })
  t.deepEqual(claims.owner(['in:1'], NOW, { ...owning, running: false }), {
    kind: 'rebalancing',
    endpoint: 'self:1',
  })
})
