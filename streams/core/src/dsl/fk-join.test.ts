import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { StreamsBuilder } from './streams-builder.ts'

const S = Serdes.String()

/** Orders (key order id, value "customer:item") joined with customers (key customer id) on the customer. */
function orders(left: boolean): { driver: TopologyTestDriver; read: () => string[] } {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const ordersTable = b.table<string, string>('orders')
  const customers = b.table<string, string>('customers')
  const customerOf = (v: string): string | null => v.split(':')[0] ?? null
  const joiner = (order: string, customer: string | null): string => `${order}@${customer}`
  ;(left
    ? ordersTable.leftJoin(customers, customerOf, joiner, undefined, { name: 'by-customer' })
    : ordersTable.join(customers, customerOf, joiner, undefined, { name: 'by-customer' })
  )
    .toStream()
    .to('out')
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'shop' })
  const out = driver.createOutputTopic('out', S, S)
  return {
    driver,
    read: () => out.readRecordsToList().map((r) => `${r.key}=${r.value}@${r.timestamp}`),
  }
}

test('a foreign-key join follows updates of both tables and foreign-key changes, through Kafka-named topics', (t) => {
  const { driver, read } = orders(false)
  const o = driver.createInputTopic('orders', S, S)
  const c = driver.createInputTopic('customers', S, S)
  c.pipeInput('c1', 'Ann', 1)
  o.pipeInput('o1', 'c1:tea', 5)
  t.deepEqual(read(), ['o1=c1:tea@Ann@5'])
  c.pipeInput('c1', 'Ann B', 7)
  t.deepEqual(read(), ['o1=c1:tea@Ann B@7'])
  // The order moves to a customer that does not exist: its result is retracted.
  o.pipeInput('o1', 'c2:tea', 8)
  t.deepEqual(read(), ['o1=null@8'])
  // The old customer's updates no longer reach it; the new one's do.
  c.pipeInput('c1', 'Ann C', 9)
  c.pipeInput('c2', 'Bob', 10)
  t.deepEqual(read(), ['o1=c2:tea@Bob@10'])
  o.pipeInput('o1', null, 11)
  t.deepEqual(read(), ['o1=null@11'])
  t.true(driver.producedTopicNames().has('shop-by-customer-subscription-registration-topic'))
  t.true(driver.producedTopicNames().has('shop-by-customer-subscription-response-topic'))
  driver.close()
})

test('a foreign-key left join emits orders without a customer, and a customer delete joins null', (t) => {
  const { driver, read } = orders(true)
  const o = driver.createInputTopic('orders', S, S)
  const c = driver.createInputTopic('customers', S, S)
  o.pipeInput('o1', 'c1:tea', 1)
  c.pipeInput('c1', 'Ann', 2)
  c.pipeInput('c1', null, 3)
  o.pipeInput('o1', null, 4)
  t.deepEqual(read(), ['o1=c1:tea@null@1', 'o1=c1:tea@Ann@2', 'o1=c1:tea@null@3', 'o1=null@4'])
  driver.close()
})
