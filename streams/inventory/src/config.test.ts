import test from 'ava'
import { readInventoryEnv } from './config.ts'
import { INVENTORY_ERROR_CODES } from './errors.ts'

test("the environment's defaults are the local stack's, exactly-once", (t) => {
  t.like(readInventoryEnv({}), {
    kafka: { brokers: ['127.0.0.1:9092'] },
    kafkaClient: 'kafkajs',
    schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
    applicationId: 'oxagry-inventory',
    processingGuarantee: 'exactly_once',
    expiryIntervalMs: 1000,
    httpPort: 9467,
    httpHost: '0.0.0.0',
  })
  t.like(
    readInventoryEnv({
      KAFKA_BROKERS: 'k1:9093,k2:9093',
      KAFKA_CLIENT: 'rdkafka',
      PROCESSING_GUARANTEE: 'at_least_once',
      INVENTORY_EXPIRY_INTERVAL_MS: '250',
      INVENTORY_APPLICATION_ID: 'inv-2',
    }),
    {
      kafka: { brokers: ['k1:9093', 'k2:9093'] },
      kafkaClient: 'rdkafka',
      processingGuarantee: 'at_least_once',
      expiryIntervalMs: 250,
      applicationId: 'inv-2',
    },
  )
})

test('every bad variable is reported at once, by name', (t) => {
  const error = t.throws(() =>
    readInventoryEnv({
      KAFKA_BROKERS: 'nope',
      KAFKA_CLIENT: 'java',
      PROCESSING_GUARANTEE: 'maybe',
      INVENTORY_EXPIRY_INTERVAL_MS: '0',
      INVENTORY_HTTP_PORT: '70000',
      INVENTORY_APPLICATION_ID: 'a b',
      SCHEMA_REGISTRY_URL: 'ftp://x',
    }),
  )
  t.is((error as { code?: string }).code, INVENTORY_ERROR_CODES.INVALID_OPTIONS)
  for (const name of [
    'KAFKA_BROKERS',
    'KAFKA_CLIENT',
    'PROCESSING_GUARANTEE',
    'INVENTORY_EXPIRY_INTERVAL_MS',
    'INVENTORY_HTTP_PORT',
    'INVENTORY_APPLICATION_ID',
    'SCHEMA_REGISTRY_URL',
  ])
    t.regex(error?.message ?? '', new RegExp(name))
})
