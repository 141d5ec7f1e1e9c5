import test from 'ava'
import { benchDocument, chunks, ids, upsertFilter, upsertOperations, versions } from './ops.ts'

test('ids are zero-padded strings or plain numbers', (t) => {
  t.deepEqual(ids(2, 'string'), ['machine-0000000', 'machine-0000001'])
  t.deepEqual(ids(3, 'number'), [0, 1, 2])
})

test('the guarded filter asks for a lower stored version, the plain one only the _id', (t) => {
  t.deepEqual(upsertFilter('a', 2, 'plain'), { _id: 'a' })
  t.deepEqual(upsertFilter('a', 2, 'guarded'), { _id: 'a', version: { $lt: 2 } })
})

test('an operation is a replaceOne upsert whose replacement has no _id', (t) => {
  const [op] = upsertOperations([7], 2, 'guarded')
  t.truthy(op !== undefined && 'replaceOne' in op)
  const replaceOne = (
    op as { replaceOne: { filter: unknown; replacement: Record<string, unknown>; upsert: boolean } }
  ).replaceOne
  t.deepEqual(replaceOne.filter, { _id: 7, version: { $lt: 2 } })
  t.is(replaceOne.upsert, true)
  t.false('_id' in replaceOne.replacement)
  t.is(replaceOne.replacement.version, 2)
  t.is(benchDocument(7, 2)._id, 7)
})

test('stale stores a higher version than it writes, replace a lower one, insert none', (t) => {
  t.deepEqual(versions('insert'), { stored: undefined, written: 2 })
  t.true((versions('replace').stored as number) < versions('replace').written)
  t.true((versions('stale').stored as number) > versions('stale').written)
})

test('chunks keeps the order and a short last chunk', (t) => {
  t.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])
  t.deepEqual(chunks([], 99), [])
})
