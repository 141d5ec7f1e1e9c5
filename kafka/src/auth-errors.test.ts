import test from 'ava'
import kafkajs from 'kafkajs'
import { securityError } from './auth-errors.ts'
import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'
import { brokerError } from './kafkajs/broker-errors.ts'
import { rdkafkaError } from './rdkafka/client.ts'

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM cannot name.
const { KafkaJSAggregateError, KafkaJSProtocolError } = kafkajs
// Its typings give this one no constructor arguments; it takes a message as every kafkajs error does.
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error

const answer = (type: string): Error =>
  new KafkaJSProtocolError({ message: `${type} answer`, type, code: 0, retriable: false } as never)

test('each authorization failure is NOT_AUTHORIZED, naming the kind of resource refused', (t) => {
  const cases = [
    ['TOPIC_AUTHORIZATION_FAILED', 29, 'topic'],
    ['GROUP_AUTHORIZATION_FAILED', 30, 'group'],
    ['CLUSTER_AUTHORIZATION_FAILED', 31, 'cluster'],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53, 'transactionalId'],
  ] as const
  for (const [type, code, resource] of cases) {
    for (const error of [
      brokerError('committing', answer(type)),
      rdkafkaError('committing', Object.assign(new Error('Authorization failed.'), { code })),
    ]) {
      t.is(error.code, KAFKA_ERROR_CODES.NOT_AUTHORIZED, type)
      t.is(error.context.resource, resource)
      t.false(error.retriable)
      t.true(error.message.startsWith(`committing: not authorized (${type})`), error.message)
    }
  }
})

test('a missing transactional-id ACL is not taken for fencing', (t) => {
  t.not(
    brokerError('beginning', answer('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')).code,
    KAFKA_ERROR_CODES.FENCED,
  )
  t.is(brokerError('beginning', answer('PRODUCER_FENCED')).code, KAFKA_ERROR_CODES.FENCED)
  t.is(
    rdkafkaError('beginning', Object.assign(new Error('fenced'), { code: 90 })).code,
    KAFKA_ERROR_CODES.FENCED,
  )
})

test("kafkajs' aggregate of per-topic answers is looked into", (t) => {
  const aggregate = new KafkaJSAggregateError('Topic creation errors', [answer('TOPIC_AUTHORIZATION_FAILED')])
  const error = brokerError('creating topics', aggregate)
  t.is(error.code, KAFKA_ERROR_CODES.NOT_AUTHORIZED)
  t.is(error.context.resource, 'topic')
})

test('refused credentials are AUTHENTICATION, naming the settings to check', (t) => {
  const sasl = brokerError(
    'connecting',
    new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed'),
  )
  t.is(sasl.code, KAFKA_ERROR_CODES.AUTHENTICATION)
  t.regex(sasl.message, /KAFKA_SASL_USERNAME/)
  const rd = rdkafkaError('connecting', Object.assign(new Error('SASL authentication error'), { code: -169 }))
  t.is(rd.code, KAFKA_ERROR_CODES.AUTHENTICATION)
  t.false(rd.retriable)
})

test('anything else is no security error', (t) => {
  t.is(securityError('x', new Error('socket closed'), {}), undefined)
  t.is(
    securityError('x', answer('NOT_LEADER_FOR_PARTITION'), { type: 'NOT_LEADER_FOR_PARTITION' }),
    undefined,
  )
  t.true(brokerError('x', new Error('socket closed')) instanceof KafkaError)
  t.is(brokerError('x', new Error('socket closed')).code, KAFKA_ERROR_CODES.BROKER)
})
