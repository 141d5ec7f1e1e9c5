import test from 'ava'
import {
  Contracts,
  createAvroSerde,
  customerId,
  currencyCode,
  InMemorySchemaRegistry,
  nameUuid,
  orderId,
} from '@oxagry/avro'
import { createOrderStatusDecoder } from './status-topic.ts'

test('a status record in the Confluent wire format decodes to the feed change', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const topic = 'orders.order-status.v1'
  const serde = await createAvroSerde({
    registry,
    contract: Contracts.OrderStatus,
    autoRegister: true,
    topics: [topic],
  })
  const id = nameUuid('status')
  const bytes = await serde.serialize(
    topic,
    {
      orderId: orderId(id),
      customerId: customerId('farm-0001'),
      state: 'CANCELLED',
      paymentState: 'VOIDED',
      totalMinor: 6300,
      currency: currencyCode('EUR'),
      itemCount: 1,
      placedAt: 1_700_000_000_000,
      updatedAt: 1_700_000_001_000,
      cancellationReason: 'OUT_OF_STOCK',
      note: 'line 1: 2 wanted, 1 available',
      version: 4,
    },
    {},
  )
  t.is(bytes[0], 0, 'magic byte')
  const decode = await createOrderStatusDecoder(registry)
  t.deepEqual(await decode(topic, bytes), {
    orderId: id,
    customerId: 'farm-0001',
    state: 'CANCELLED',
    paymentState: 'VOIDED',
    cancellationReason: 'OUT_OF_STOCK',
    note: 'line 1: 2 wanted, 1 available',
    currency: 'EUR',
    totalMinor: 6300,
    itemCount: 1,
    placedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_001_000,
    version: 4,
  })
})
