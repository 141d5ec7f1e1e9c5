import test from 'ava'
import { ServiceEnvReader } from './service-env.ts'

const DEFAULTS = {
  prefix: 'ORDERS',
  applicationId: 'oxagry-orders',
  httpPort: 9465,
  stateDir: '.state/orders',
}

test("unset variables take the service's defaults and the local stack's addresses", (t) => {
  const reader = new ServiceEnvReader({})
  t.deepEqual(reader.service(DEFAULTS), {
    kafka: { brokers: ['127.0.0.1:9092'] },
    kafkaClient: 'kafkajs',
    schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
    applicationId: 'oxagry-orders',
    processingGuarantee: 'exactly_once',
    stateDir: '.state/orders',
    httpPort: 9465,
    httpHost: '0.0.0.0',
  })
  t.deepEqual(reader.problems, [])
  t.notThrows(() => reader.check((message) => new Error(message)))
})

test("the prefix names the service's own variables; the shared ones are read as they are", (t) => {
  const reader = new ServiceEnvReader({
    ORDERS_APPLICATION_ID: 'orders-2',
    ORDERS_HTTP_PORT: '0',
    ORDERS_HTTP_HOST: '127.0.0.1',
    INVENTORY_HTTP_PORT: '1',
    KAFKA_CLIENT: 'rdkafka',
    PROCESSING_GUARANTEE: 'at_least_once',
    STATE_DIR: '/var/lib/orders',
  })
  t.like(reader.service(DEFAULTS), {
    applicationId: 'orders-2',
    httpPort: 0,
    httpHost: '127.0.0.1',
    kafkaClient: 'rdkafka',
    processingGuarantee: 'at_least_once',
    stateDir: '/var/lib/orders',
  })
})

test('every bad value is collected, and check throws the caller’s error naming the first', (t) => {
  const reader = new ServiceEnvReader({
    KAFKA_BROKERS: 'nope',
    KAFKA_CLIENT: 'java',
    SCHEMA_REGISTRY_URL: 'ftp://x',
    PROCESSING_GUARANTEE: 'maybe',
    ORDERS_APPLICATION_ID: 'a b',
    ORDERS_HTTP_PORT: '70000',
    STATE_DIR: '',
    ORDERS_TIMEOUT_MS: '1.5',
  })
  reader.service(DEFAULTS)
  t.is(reader.integer('ORDERS_TIMEOUT_MS', { min: 1 }), undefined)
  t.is(reader.problems.length, 8)
  class EnvError extends Error {
    constructor(
      message: string,
      readonly path: string,
    ) {
      super(message)
    }
  }
  const error = t.throws(() => reader.check((message, path) => new EnvError(message, path)), {
    instanceOf: EnvError,
  })
  t.is(error?.path, 'KAFKA_BROKERS')
  for (const name of [
    'KAFKA_CLIENT',
    'SCHEMA_REGISTRY_URL',
    'PROCESSING_GUARANTEE',
    'ORDERS_APPLICATION_ID',
    'ORDERS_HTTP_PORT',
    'STATE_DIR',
    'ORDERS_TIMEOUT_MS',
  ])
    t.regex(error?.message ?? '', new RegExp(name))
})
