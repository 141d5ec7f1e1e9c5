import test from 'ava'
import { describeFilter, matches, parseFilter, type Filterable } from './filter.ts'

const letter: Filterable = {
  application: 'orders',
  stage: 'PROCESSING',
  errorCode: 'OXA_ORDERS_INVALID',
  sourceTopic: 'orders.order-commands.v1',
  retriable: false,
  replayed: false,
}

test('fields must all match; a repeated field matches any of its values', (t) => {
  t.true(matches(parseFilter([]), letter))
  t.true(matches(parseFilter(['application=orders', 'stage=DESERIALIZATION', 'stage=PROCESSING']), letter))
  t.false(matches(parseFilter(['application=orders', 'stage=DESERIALIZATION']), letter))
  t.true(
    matches(parseFilter(['error-code=OXA_ORDERS_INVALID', 'source-topic=orders.order-commands.v1']), letter),
  )
  t.true(matches(parseFilter(['retriable=false', 'replayed=false']), letter))
  t.false(matches(parseFilter(['replayed=true']), letter))
  t.true(matches(parseFilter(['replayed=true']), { ...letter, replayed: true }))
})

test('a value may hold "="; the description is stable whatever the order given', (t) => {
  t.deepEqual(parseFilter(['source-topic=a=b']), new Map([['source-topic', ['a=b']]]))
  t.is(describeFilter(parseFilter([])), 'all')
  t.is(
    describeFilter(parseFilter(['stage=PROCESSING', 'application=orders', 'stage=DESERIALIZATION'])),
    'application=orders,stage=DESERIALIZATION|PROCESSING',
  )
  t.is(
    describeFilter(parseFilter(['application=orders', 'stage=DESERIALIZATION', 'stage=PROCESSING'])),
    describeFilter(parseFilter(['stage=PROCESSING', 'stage=DESERIALIZATION', 'application=orders'])),
  )
})
