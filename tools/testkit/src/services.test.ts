import test from 'ava'
import { endpointOf, kafkaBrokers, serviceUrl, servicesRequired } from './services.ts'

test('a service URL comes from its environment variable, else the stack default', (t) => {
  t.is(serviceUrl('postgres', {}), 'postgres://oxagry@127.0.0.1:5432/oxagry')
  t.is(serviceUrl('postgres', { POSTGRES_URL: 'postgres://x@db:6543/y' }), 'postgres://x@db:6543/y')
  t.is(serviceUrl('mongodb', { MONGODB_URL: '' }), 'mongodb://127.0.0.1:27017/')
})

test('KAFKA_BROKERS is a comma-separated list', (t) => {
  t.deepEqual(kafkaBrokers({ KAFKA_BROKERS: 'a:1, b:2,' }), ['a:1', 'b:2'])
  t.deepEqual(kafkaBrokers({}), ['127.0.0.1:9092'])
})

test('endpoints are parsed per scheme; chdb is in-process', (t) => {
  t.deepEqual(endpointOf('kafka', '10.0.0.1:19092,b:2'), { host: '10.0.0.1', port: 19092 })
  t.deepEqual(endpointOf('schemaRegistry', 'http://h/apis/ccompat/v7'), { host: 'h', port: 80 })
  t.deepEqual(endpointOf('mongodb', 'mongodb://127.0.0.1/'), { host: '127.0.0.1', port: 27017 })
  t.deepEqual(endpointOf('clickhouse', 'http://ch:8123'), { host: 'ch', port: 8123 })
  t.is(endpointOf('clickhouse', 'chdb:/tmp/x'), undefined)
})

test('CI=true or REQUIRE_SERVICES=1 makes services required', (t) => {
  t.true(servicesRequired({ CI: 'true' }))
  t.true(servicesRequired({ REQUIRE_SERVICES: '1' }))
  t.false(servicesRequired({ CI: 'false' }))
  t.false(servicesRequired({}))
})
