import test from 'ava'
import { ConfigError, readConfig } from './config.ts'

test('no environment: embedded defaults on 127.0.0.1:8080 with state under the working directory', (t) => {
  const config = readConfig({}, '/srv/app')
  t.is(config.port, 8080)
  t.is(config.kafka, undefined)
  t.is(config.schemaRegistryUrl, undefined)
  t.is(config.mongodbUrl, undefined)
  t.is(config.clickhouseUrl, 'chdb:/srv/app/.oxagry/clickhouse')
  t.deepEqual(config.simulator, { enabled: true, machines: 200, rate: 100, seed: 42 })
  t.is(config.processingGuarantee, 'at_least_once')
  t.deepEqual(config.sinkBatch, { maxRecords: 2000, maxWaitMs: 250 })
})

test("the guarantee and the sinks' batches are tunable", (t) => {
  const config = readConfig({
    PROCESSING_GUARANTEE: 'exactly_once',
    SINK_BATCH_RECORDS: '200',
    SINK_BATCH_WAIT_MS: '50',
  })
  t.is(config.processingGuarantee, 'exactly_once')
  t.deepEqual(config.sinkBatch, { maxRecords: 200, maxWaitMs: 50 })
})

test('service URLs in the environment select the real services', (t) => {
  const config = readConfig({
    PORT: '9000',
    KAFKA_BROKERS: '127.0.0.1:9092,10.0.0.2:9092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
    MONGODB_URL: 'mongodb://127.0.0.1:27017/',
    CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  })
  t.is(config.port, 9000)
  t.deepEqual(config.kafka?.brokers, ['127.0.0.1:9092', '10.0.0.2:9092'])
  t.is(config.clickhouseUrl, 'http://127.0.0.1:8123')
})

test('every bad value is named in one error', (t) => {
  const error = t.throws(() =>
    readConfig({
      PORT: 'eighty',
      KAFKA_BROKERS: 'localhost',
      SIMULATOR: 'maybe',
      SIM_RATE: '0',
      SINK_BATCH_RECORDS: '0',
    }),
  )
  t.true(error instanceof ConfigError)
  t.regex(error.message, /PORT="eighty": must be integer/)
  t.regex(error.message, /KAFKA_BROKERS="localhost": must match pattern/)
  t.regex(error.message, /SIMULATOR="maybe": must be equal to one of the allowed values \(on, off\)/)
  t.regex(error.message, /SIM_RATE="0": must be > 0/)
  t.regex(error.message, /SINK_BATCH_RECORDS="0": must be >= 1/)
})

test('a secured Kafka is configured with the client package’s variables, each checked', (t) => {
  const secured = readConfig({
    KAFKA_BROKERS: 'kafka:9093',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'platform',
    KAFKA_SASL_PASSWORD: 'secret',
    KAFKA_SSL: 'true',
  })
  t.deepEqual(secured.kafka, {
    brokers: ['kafka:9093'],
    tls: {},
    sasl: { mechanism: 'scram-sha-512', username: 'platform', password: 'secret' },
  })
  const error = t.throws(() =>
    readConfig({ KAFKA_BROKERS: 'kafka:9093', KAFKA_SASL_MECHANISM: 'scram-sha-512' }),
  )
  t.regex(error.message, /KAFKA_SASL_USERNAME is required/)
})
