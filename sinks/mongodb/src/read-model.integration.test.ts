import { randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { machineReadModelContract } from '@oxagry/sink/testing'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { MongoMachineReadModel } from './read-model.ts'

const test = await integrationTest('mongodb')
const client = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
const db = client.db(`oxagry_sink_test_${process.pid}`)

test.after(async () => {
  await db.dropDatabase().catch(() => {})
  await client.close()
})

// The local stack's MongoDB is FerretDB v1, whose conditional updates are not atomic (see the option).
machineReadModelContract(
  'mongodb (FerretDB)',
  test,
  async () => {
    const model = new MongoMachineReadModel({ db, collection: `machines_${randomUUID().slice(0, 8)}` })
    await model.ensureIndexes()
    return model
  },
  { atomicConcurrentUpserts: process.env.MONGODB_ATOMIC_UPDATES === '1' },
)

test('indexes are created on start', async (t) => {
  const model = new MongoMachineReadModel({ db, collection: `machines_${randomUUID().slice(0, 8)}` })
  await model.ensureIndexes()
  const names = (await model.collection.listIndexes().toArray()).map((i) => i.name as string).sort()
  t.deepEqual(names, ['_id_', 'latitude_longitude', 'status_id'])
})
