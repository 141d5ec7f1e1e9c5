import { randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { reservationStoreContract } from '@oxagry/sink/testing'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { MongoReservationReadModel } from './reservation-store.ts'

const test = await integrationTest('mongodb')
const client = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
const db = client.db(`oxagry_views_reservations_${process.pid}`)

test.after(async () => {
  await db.dropDatabase().catch(() => {})
  await client.close()
})

reservationStoreContract('mongodb (FerretDB)', test, async () => {
  const store = new MongoReservationReadModel({ db, collection: `res_${randomUUID().slice(0, 8)}` })
  await store.migrate()
  return store
})

test('indexes are created on start, and a second start finds them', async (t) => {
  const store = new MongoReservationReadModel({ db, collection: `res_${randomUUID().slice(0, 8)}` })
  await store.migrate()
  await store.migrate()
  const names = (await store.collection.listIndexes().toArray()).map((i) => i.name as string).sort()
  t.deepEqual(names, ['_id_', 'order_reservation', 'product_warehouse_reservation', 'warehouse_reservation'])
})
