import { closeSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { createStore } from './factory.ts'
import { LmdbKeyValueStore } from './lmdb-stores.ts'
import { LmdbWindowStore } from './lmdb-windowed-stores.ts'
import { Stores } from './stores.ts'
import type { KeyValueStore, WindowStore } from './store.ts'

const S = Serdes.String()
const L = Serdes.Long()
const dir = (): string => mkdtempSync(join(tmpdir(), 'lmdb-env-test-'))

/**
 * What a machine crash can leave of an environment that does not sync at commits: meta pages that
 * point at pages never written. Everything after the two meta pages is overwritten with garbage.
 */
function tear(path: string): void {
  const file = join(path, 'data.mdb')
  const pageSize = 4096
  const fd = openSync(file, 'r+')
  try {
    const garbage = Buffer.alloc(statSync(file).size - 2 * pageSize, 0xa5)
    writeSync(fd, garbage, 0, garbage.length, 2 * pageSize)
  } finally {
    closeSync(fd)
  }
}

test('a key-value store nothing vouches for is created fresh: its torn files are never read', async (t) => {
  const stateDir = dir()
  const spec = Stores.persistentKeyValueStore('kv', { keySerde: S, valueSerde: L })
  const before = new LmdbKeyValueStore<string, number>('kv', join(stateDir, '0_0', 'kv'), S, L, false)
  for (let i = 0; i < 2000; i++) before.put(`key-${i}`, i)
  before.flushToDisk()
  await before.close()
  tear(join(stateDir, '0_0', 'kv'))

  const after = createStore(spec, '0_0', { stateDir }, true) as unknown as KeyValueStore<string, number>
  t.deepEqual([...after.all()], [])
  after.put('key-1', 1)
  after.flush()
  t.is(after.get('key-1'), 1)
  t.is(after.get('key-2'), undefined)
  after.close()
})

test('a window store nothing vouches for is created fresh: its torn files are never opened', async (t) => {
  const stateDir = dir()
  const spec = Stores.persistentWindowStore('w', 1_000_000, {
    keySerde: S,
    valueSerde: L,
  })
  const path = join(stateDir, '0_0', 'w')
  const before = new LmdbWindowStore<string, number>('w', path, S, L, 1_000_000, false)
  for (let i = 0; i < 2000; i++) before.put(`key-${i}`, i, 1000)
  before.flushToDisk()
  await before.close()
  tear(path)
  // Opened as it is, the torn environment cannot even name its databases.
  t.throws(() => new LmdbWindowStore<string, number>('w', path, S, L, 1_000_000, false))

  const after = createStore(spec, '0_0', { stateDir }, true) as unknown as WindowStore<string, number>
  t.is(after.fetch('key-1', 1000), undefined)
  after.put('key-1', 1, 2000)
  after.flush()
  t.is(after.fetch('key-1', 2000), 1)
  after.close()
})

test('a store flushed to disk keeps what it holds across a reopen; one not fresh keeps it too', async (t) => {
  const stateDir = dir()
  const spec = Stores.persistentKeyValueStore('kv', { keySerde: S, valueSerde: L })
  const before = createStore(spec, '0_0', { stateDir }) as unknown as LmdbKeyValueStore<string, number>
  before.put('a', 1)
  before.flushToDisk()
  await before.close()
  const after = createStore(spec, '0_0', { stateDir }) as unknown as KeyValueStore<string, number>
  t.is(after.get('a'), 1)
  after.close()
})
