import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { describeConnection, kafkaConnectionFromEnv, parseBrokers } from './connection.ts'
import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'
import { kafkaJsConnection } from './kafkajs/config.ts'
import { rdkafkaConnection } from './rdkafka/client.ts'

test('brokers default to the local stack and are checked', (t) => {
  t.deepEqual(kafkaConnectionFromEnv({}), { brokers: ['127.0.0.1:9092'] })
  t.deepEqual(parseBrokers('a:1, b:2'), ['a:1', 'b:2'])
  const error = t.throws(() => kafkaConnectionFromEnv({ KAFKA_BROKERS: 'localhost' }), {
    instanceOf: KafkaError,
  })
  t.is(error.code, KAFKA_ERROR_CODES.INVALID_CONFIG)
  t.is(error.context.setting, 'KAFKA_BROKERS')
})

test('SASL comes as a Strimzi KafkaUser secret gives it, all three settings or none', (t) => {
  const connection = kafkaConnectionFromEnv({
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'tracking',
    KAFKA_SASL_PASSWORD: 'secret',
  })
  t.deepEqual(connection.sasl, { mechanism: 'scram-sha-512', username: 'tracking', password: 'secret' })
  t.false(describeConnection(connection).includes('secret'))
  const missing = t.throws(
    () => kafkaConnectionFromEnv({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'tracking' }),
    { instanceOf: KafkaError },
  )
  t.is(missing.context.setting, 'KAFKA_SASL_PASSWORD')
  const unknown = t.throws(
    () =>
      kafkaConnectionFromEnv({
        KAFKA_SASL_MECHANISM: 'GSSAPI',
        KAFKA_SASL_USERNAME: 'a',
        KAFKA_SASL_PASSWORD: 'b',
      }),
    { instanceOf: KafkaError },
  )
  t.is(unknown.context.setting, 'KAFKA_SASL_MECHANISM')
})

test('TLS with the cluster CA from a file, or with the system CAs', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.crt')
  writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
  t.regex(kafkaConnectionFromEnv({ KAFKA_SSL_CA_FILE: file }).tls?.ca ?? '', /BEGIN CERTIFICATE/)
  t.deepEqual(kafkaConnectionFromEnv({ KAFKA_SSL: 'true' }).tls, {})
  t.is(kafkaConnectionFromEnv({ KAFKA_SSL: 'false' }).tls, undefined)
  const unreadable = t.throws(() => kafkaConnectionFromEnv({ KAFKA_SSL_CA_FILE: '/nonexistent/ca.crt' }), {
    instanceOf: KafkaError,
  })
  t.is(unreadable.context.setting, 'KAFKA_SSL_CA_FILE')
})

test('both backends turn the Strimzi-shaped environment into SCRAM over TLS with the cluster CA', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.crt')
  writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
  const connection = kafkaConnectionFromEnv({
    KAFKA_BROKERS: '127.0.0.1:9094',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'tracking',
    KAFKA_SASL_PASSWORD: 'secret',
    KAFKA_SSL_CA_FILE: file,
  })
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
  t.deepEqual(kafkaJsConnection(connection), {
    brokers: ['127.0.0.1:9094'],
    ssl: { ca: [pem] },
    sasl: { mechanism: 'scram-sha-512', username: 'tracking', password: 'secret' },
  })
  t.deepEqual(rdkafkaConnection(connection), {
    'metadata.broker.list': '127.0.0.1:9094',
    'security.protocol': 'sasl_ssl',
    'ssl.ca.pem': pem,
    'sasl.mechanisms': 'SCRAM-SHA-512',
    'sasl.username': 'tracking',
    'sasl.password': 'secret',
  })
  t.is(rdkafkaConnection(kafkaConnectionFromEnv({}))['security.protocol'], 'plaintext')
})
