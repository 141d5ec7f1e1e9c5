import test from 'ava'
import {
  MongoBulkWriteError,
  MongoNetworkError,
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
} from 'mongodb'
import { SINK_ERROR_CODES } from '@oxagry/sink'
import { guardedUpserts } from './guarded-bulk.ts'

/** A collection whose bulkWrite fails as the driver fails it, counting the calls. */
function failingCollection(error: Error) {
  let calls = 0
  const collection = {
    bulkWrite: async () => {
      calls++
      throw error
    },
  } as unknown as Collection<Machine>
  return { collection, calls: () => calls }
}

interface Machine extends Document {
  _id: string
  a: number
}

const upserts: AnyBulkWriteOperation<Machine>[] = [
  { updateOne: { filter: { _id: 'MF-1' }, update: { $set: { a: 1 } }, upsert: true } },
  { updateOne: { filter: { _id: 'MF-2' }, update: { $set: { a: 2 } }, upsert: true } },
]

test('a refused connection the driver wraps as a bulk write error is a transient failure, not "all stale"', async (t) => {
  // What driver 7 throws when FerretDB is down: the network error inside a bulk error without write errors.
  const refused = new MongoBulkWriteError(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:19503'), {
    upsertedCount: 0,
    matchedCount: 0,
  } as never)
  t.deepEqual(refused.writeErrors, [])
  const { collection } = failingCollection(refused)
  const error = await t.throwsAsync(guardedUpserts(collection, upserts, 99, 'upserting machines'))
  t.is((error as { code?: string }).code, SINK_ERROR_CODES.TRANSIENT)
  t.true((error as { retriable?: boolean }).retriable)
  t.regex(error.message, /upserting machines: connect ECONNREFUSED/)
})

test('duplicate keys alone still mean stale: counted, not thrown', async (t) => {
  const stale = new MongoBulkWriteError(
    {
      message: 'E11000 duplicate key',
      code: 11000,
      writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000 duplicate key' }] as never,
    },
    { upsertedCount: 0, matchedCount: 1 } as never,
  )
  let calls = 0
  const collection = {
    bulkWrite: async (ops: readonly unknown[]) => {
      calls++
      if (calls === 1) throw stale
      return { upsertedCount: 0, matchedCount: 0, ops }
    },
  } as unknown as Collection<Machine>
  t.is(await guardedUpserts(collection, upserts, 99, 'upserting machines'), 1)
  t.is(calls, 2, 'the duplicate is asked once more as a guarded update')
})
