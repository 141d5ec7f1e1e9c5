import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { LmdbKeyValueStore } from './lmdb-stores.ts'
import { LmdbSessionStore, LmdbWindowStore } from './lmdb-windowed-stores.ts'
import { InMemoryKeyValueStore, InMemorySessionStore, InMemoryWindowStore } from './memory-stores.ts'
import type { KeyValueStore, SessionStore, WindowStore } from './store.ts'

const S = Serdes.String()
const L = Serdes.Long()
const dir = (): string => mkdtempSync(join(tmpdir(), 'store-test-'))

const keyValueStores: [
  string,
  () => KeyValueStore<string, number> & { changes?: { drain(): unknown[] } | undefined },
][] = [
  ['in-memory', () => new InMemoryKeyValueStore<string, number>('kv', true, S)],
  ['lmdb', () => new LmdbKeyValueStore<string, number>('kv', dir(), S, L, true)],
]

for (const [kind, make] of keyValueStores) {
  test(`${kind} key-value store: iterates, ranges and prefix-scans in key-byte order, as Kafka Streams`, (t) => {
    const store = make()
    // Inserted out of order; 'B' (0x42) sorts before 'a' (0x61), 'ab' between 'a' and 'b'.
    for (const [k, v] of [
      ['b', 1],
      ['ab', 2],
      ['B', 3],
      ['a', 4],
      ['ba', 5],
      ['c', 6],
    ] as const)
      store.put(k, v)
    const keys = (it: Iterable<{ key: string }>): string[] => [...it].map((e) => e.key)
    t.deepEqual(keys(store.all()), ['B', 'a', 'ab', 'b', 'ba', 'c'])
    t.deepEqual(keys(store.range('ab', 'ba')), ['ab', 'b', 'ba'])
    t.deepEqual(keys(store.range(undefined, 'a')), ['B', 'a'])
    t.deepEqual(keys(store.range('ba')), ['ba', 'c'])
    t.deepEqual(keys(store.reverseRange('ab', 'ba')), ['ba', 'b', 'ab'])
    t.deepEqual(keys(store.range('c', 'a')), [])
    t.deepEqual(keys(store.prefixScan('b', S)), ['b', 'ba'])
    t.deepEqual(keys(store.prefixScan('a', S)), ['a', 'ab'])
    store.delete('ab')
    store.put('aa', 7)
    t.deepEqual(keys(store.all()), ['B', 'a', 'aa', 'b', 'ba', 'c'])
  })

  test(`${kind} key-value store: keeps the timestamp a value was written with`, (t) => {
    const store = make()
    store.putWithTimestamp('a', 1, 42)
    store.put('b', 2)
    t.deepEqual(store.getWithTimestamp('a'), { value: 1, timestamp: 42 })
    t.deepEqual(store.getWithTimestamp('b'), { value: 2, timestamp: -1 })
    store.putWithTimestamp('a', null, 50)
    t.is(store.getWithTimestamp('a'), undefined)
  })
}

for (const [kind, make] of keyValueStores) {
  test(`${kind} key-value store: put, get, overwrite, delete, all, and one changelog entry per key`, (t) => {
    const store = make()
    store.put('a', 1)
    store.put('b', 2)
    store.put('a', 3)
    t.is(store.get('a'), 3)
    t.is(store.putIfAbsent('b', 9), 2)
    t.is(store.delete('b'), 2)
    t.is(store.get('b'), undefined)
    store.flush()
    t.is(store.get('a'), 3)
    t.deepEqual([...store.all()], [{ key: 'a', value: 3 }])
    const changes = store.changes?.drain() ?? []
    t.deepEqual(changes, [
      { kind: 'keyValue', key: 'a', value: 3 },
      { kind: 'keyValue', key: 'b', value: null },
    ])
    store.close()
  })
}

const windowStores: [string, () => WindowStore<string, number>][] = [
  ['in-memory', () => new InMemoryWindowStore<string, number>('w', 100, true)],
  ['lmdb', () => new LmdbWindowStore<string, number>('w', dir(), S, L, 100, true)],
]

for (const [kind, make] of windowStores) {
  test(`${kind} window store: fetch, fetchRange in start order, and expiry by window start`, (t) => {
    const store = make()
    store.put('m', 3, 20)
    store.put('m', 1, 0)
    store.put('m', 2, 10)
    store.put('x', 9, 10)
    t.is(store.fetch('m', 10), 2)
    t.deepEqual(
      store.fetchRange('m', 5, 20).map((e) => [e.windowStart, e.value]),
      [
        [10, 2],
        [20, 3],
      ],
    )
    store.flush()
    store.put('m', 4, 30)
    t.deepEqual(
      store.fetchRange('m', 0, 100).map((e) => e.value),
      [1, 2, 3, 4],
    )
    store.expire(15)
    t.deepEqual(
      store.fetchRange('m', 0, 100).map((e) => e.windowStart),
      [20, 30],
    )
    t.is(store.fetch('x', 10), undefined)
    t.is(store.approximateNumEntries(), 2)
    store.close()
  })
}

const sessionStores: [string, () => SessionStore<string, number>][] = [
  ['in-memory', () => new InMemorySessionStore<string, number>('s', 100, true)],
  ['lmdb', () => new LmdbSessionStore<string, number>('s', dir(), S, L, 100, true)],
]

for (const [kind, make] of sessionStores) {
  test(`${kind} session store: findSessions by end and start bounds, remove, expiry by end`, (t) => {
    const store = make()
    store.put({ key: 'm', window: { start: 0, end: 5 } }, 2)
    store.put({ key: 'm', window: { start: 20, end: 30 } }, 3)
    store.put({ key: 'n', window: { start: 0, end: 50 } }, 1)
    store.flush()
    store.put({ key: 'm', window: { start: 40, end: 40 } }, 1)
    const found = (from: number, to: number): string[] =>
      store.findSessions('m', from, to).map((s) => `${s.key.window.start}-${s.key.window.end}=${s.value}`)
    t.deepEqual(found(0, 100), ['0-5=2', '20-30=3', '40-40=1'])
    t.deepEqual(found(6, 35), ['20-30=3'])
    t.is(store.fetchSession('m', 20, 30), 3)
    store.remove({ key: 'm', window: { start: 20, end: 30 } })
    t.deepEqual(found(0, 100), ['0-5=2', '40-40=1'])
    store.expire(10)
    t.deepEqual(found(0, 100), ['40-40=1'])
    t.deepEqual(
      store.findSessions('n', 0, 100).map((s) => s.value),
      [1],
    )
    store.close()
  })
}

for (const [kind, make] of windowStores) {
  test(`${kind} window store: retention follows the largest window start written, as Kafka Streams'`, (t) => {
    const store = make() // retention 100
    store.putWithTimestamp('m', 1, 0, 7)
    store.put('m', 2, 100)
    // 0 <= 100 - 100: gone from fetch, fetchRange and all(), and a late write to it is skipped.
    t.is(store.fetch('m', 0), undefined)
    t.deepEqual(
      store.fetchRange('m', 0, 200).map((e) => e.windowStart),
      [100],
    )
    t.deepEqual(
      [...store.all()].map((e) => e.key.window.start),
      [100],
    )
    store.put('m', 3, 0)
    t.is(store.fetch('m', 0), undefined)
    store.putWithTimestamp('m', 4, 1, 9)
    t.deepEqual(store.fetchWithTimestamp('m', 1), { value: 4, timestamp: 9 })
    t.deepEqual(
      store.fetchRange('m', 0, 200).map((e) => [e.windowStart, e.timestamp]),
      [
        [1, 9],
        [100, -1],
      ],
    )
    store.close()
  })
}

for (const [kind, make] of sessionStores) {
  test(`${kind} session store: retention follows the largest session end; sessions found by end, then start`, (t) => {
    const store = make() // retention 100
    store.put({ key: 'm', window: { start: 10, end: 30 } }, 1)
    store.put({ key: 'm', window: { start: 0, end: 40 } }, 2)
    store.put({ key: 'm', window: { start: 20, end: 20 } }, 3)
    t.deepEqual(
      store.findSessions('m', 0, 100).map((s) => s.value),
      [3, 1, 2],
    )
    store.put({ key: 'm', window: { start: 120, end: 120 } }, 4)
    // 20 <= 120 - 100: the session ending at 20 is gone; the one ending at 30 is not.
    t.deepEqual(
      store.findSessions('m', 0, 200).map((s) => s.value),
      [1, 2, 4],
    )
    t.is(store.fetchSession('m', 20, 20), undefined)
    store.put({ key: 'm', window: { start: 5, end: 5 } }, 5)
    t.is(store.fetchSession('m', 5, 5), undefined)
    store.close()
  })
}

for (const [kind, make] of keyValueStores) {
  test(`${kind} key-value store: keys added and removed between reads keep ranges, prefixes and all() in order`, (t) => {
    const store = make()
    const model = new Map<string, number>()
    // A fixed pseudo-random walk of puts and deletes, reading after each step (the join buffers' pattern).
    let seed = 7
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const keys = ['a', 'b', 'ab', 'B', 'aa', 'ba', 'c', '', 'abc', 'b0']
    for (let step = 0; step < 300; step++) {
      const key = keys[next(keys.length)] as string
      if (next(3) === 0) {
        store.delete(key)
        model.delete(key)
      } else {
        store.put(key, step)
        model.set(key, step)
      }
      const sorted = [...model.entries()].sort(([x], [y]) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
      t.deepEqual(
        [...store.all()].map((kv) => [kv.key, kv.value]),
        sorted,
      )
      t.deepEqual(
        [...store.range('a', 'b')].map((kv) => kv.key),
        sorted.map(([k]) => k).filter((k) => k >= 'a' && k <= 'b'),
      )
      t.deepEqual(
        [...store.prefixScan('a', S)].map((kv) => kv.key),
        sorted.map(([k]) => k).filter((k) => k.startsWith('a')),
      )
    }
    store.close()
  })
}

test('in-memory key-value store: an iterator is a snapshot, so a processor may write while it walks', (t) => {
  const store = new InMemoryKeyValueStore<string, number>('kv', false, S)
  for (const k of ['a', 'aa', 'ab', 'c']) store.put(k, 1)
  const iterator = store.range('a', 'c')
  store.put('abd', 1)
  store.delete('a')
  t.deepEqual(
    [...iterator].map((kv) => kv.key),
    ['a', 'aa', 'ab', 'c'],
  )
})

test('in-memory key-value store: keys written long after the last walk still iterate in key-byte order', (t) => {
  const store = new InMemoryKeyValueStore<string, number>('kv', false, S)
  const keys = (): string[] => [...store.all()].map((kv) => kv.key)
  store.put('m', 0)
  t.deepEqual(keys(), ['m'])
  // More writes than the store keeps its order through without a read; a delete and an update too.
  const written = Array.from({ length: 3000 }, (_, i) => `k${(i * 7919) % 3000}`)
  for (const k of written) store.put(k, 1)
  store.delete('k5')
  store.put('k6', 2)
  const expected = [...new Set([...written, 'm'])].filter((k) => k !== 'k5').sort()
  t.deepEqual(keys(), expected)
  // The order read again is kept through the next few writes.
  store.put('a', 3)
  store.delete('m')
  t.deepEqual(keys().slice(0, 2), ['a', 'k0'])
  t.false(keys().includes('m'))
  t.is(store.get('k6'), 2)
})
