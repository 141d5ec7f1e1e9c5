import test from 'ava'
import { MemoryBackend } from '@oxagry/kafka'
import { resolveConfig } from './config.ts'
import { ServiceEnvReader, serviceStreamsConfig } from './service-env.ts'

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
    numStandbyReplicas: 0,
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

test("NUM_STANDBY_REPLICAS and STATE_DIR reach the runtime's resolved config through serviceStreamsConfig", (t) => {
  const reader = new ServiceEnvReader({ NUM_STANDBY_REPLICAS: '1', STATE_DIR: '/var/lib/orders' })
  const env = reader.service(DEFAULTS)
  t.deepEqual(reader.problems, [])
  const config = resolveConfig(
    { applicationId: env.applicationId, backend: new MemoryBackend(), ...serviceStreamsConfig(env) },
    '/tmp/unused',
  )
  t.is(config.numStandbyReplicas, 1)
  t.is(config.stateDir, '/var/lib/orders')
})

test('a NUM_STANDBY_REPLICAS that is not a whole number from 0 is a problem naming the variable', (t) => {
  for (const bad of ['-1', 'one', '1.5']) {
    const reader = new ServiceEnvReader({ NUM_STANDBY_REPLICAS: bad })
    t.is(reader.service(DEFAULTS).numStandbyReplicas, 0)
    t.is(reader.problems.length, 1, bad)
    const error = t.throws(() => reader.check((message, path) => Object.assign(new Error(message), { path })))
    t.is((error as Error & { path: string }).path, 'NUM_STANDBY_REPLICAS')
    t.regex(
      error?.message ?? '',
      new RegExp(`NUM_STANDBY_REPLICAS must be a whole number from 0 to .*${bad}`),
    )
  }
})
