import { randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { integrationTest, serviceUrl } from '@oxagry/testkit'

const test = await integrationTest('mongodb')

interface Machine {
  _id: string
  status: string
  eventTime: number
}

test('the mongodb driver inserts, upserts with a guard and finds over the wire protocol', async (t) => {
  const client = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
  await client.connect()
  const db = client.db(`smoke_${randomUUID().replaceAll('-', '')}`)
  try {
    const machines = db.collection<Machine>('machines')
    await machines.createIndex({ status: 1 })
    await machines.insertOne({ _id: 'm-1', status: 'working', eventTime: 100 })
    await machines.updateOne({ _id: 'm-2' }, { $set: { status: 'idle', eventTime: 50 } }, { upsert: true })
    // An older event must not overwrite a newer one: the guard makes the update match nothing.
    const stale = await machines.updateOne(
      { _id: 'm-1', eventTime: { $lt: 90 } },
      { $set: { status: 'stale', eventTime: 90 } },
    )
    const fresh = await machines.updateOne(
      { _id: 'm-1', eventTime: { $lt: 120 } },
      { $set: { status: 'moving', eventTime: 120 } },
    )
    t.is(stale.matchedCount, 0)
    t.is(fresh.modifiedCount, 1)
    t.deepEqual(await machines.find({}).sort({ _id: 1 }).toArray(), [
      { _id: 'm-1', status: 'moving', eventTime: 120 },
      { _id: 'm-2', status: 'idle', eventTime: 50 },
    ])
    t.deepEqual(
      await machines
        .find({ status: 'idle' })
        .map((m) => m._id)
        .toArray(),
      ['m-2'],
    )
  } finally {
    await db.dropDatabase()
    await client.close()
  }
})
