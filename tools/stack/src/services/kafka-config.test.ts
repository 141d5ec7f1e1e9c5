import test from 'ava'
import { PORTS } from '../config.ts'
import { DEFAULT_KAFKA_PORTS, KafkaService, serverProperties } from './kafka.ts'

const properties = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )

test('the secured listener’s port is its own: no other service of the stack uses it', (t) => {
  const ports = Object.values(PORTS)
  t.is(new Set(ports).size, ports.length)
  t.is(DEFAULT_KAFKA_PORTS.secure, PORTS.kafkaSecure)
})

test('the broker serves SASL_SSL with SCRAM-SHA-512 beside PLAINTEXT, under KRaft’s authorizer', (t) => {
  const p = properties(
    serverProperties(
      '/data',
      { plain: 19092, controller: 19093, secure: 19094, metrics: 19095 },
      '/tls/broker.pem',
    ),
  )
  t.is(
    p.get('listeners'),
    'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,SASL_SSL://127.0.0.1:19094',
  )
  t.is(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19094')
  t.true(p.get('listener.security.protocol.map')?.split(',').includes('SASL_SSL:SASL_SSL'))
  t.is(p.get('sasl.enabled.mechanisms'), 'SCRAM-SHA-512')
  t.regex(p.get('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config') ?? '', /ScramLoginModule required;$/)
  t.is(p.get('listener.name.sasl_ssl.ssl.keystore.type'), 'PEM')
  t.is(p.get('listener.name.sasl_ssl.ssl.keystore.location'), '/tls/broker.pem')
  t.is(p.get('authorizer.class.name'), 'org.apache.kafka.metadata.authorizer.StandardAuthorizer')
  // The plain and controller listeners authenticate no one: their principal is the super user.
  t.is(p.get('super.users'), 'User:ANONYMOUS')
  t.false(p.has('allow.everyone.if.no.acl.found'), 'anyone else gets only what ACLs allow')
  t.is(p.get('controller.quorum.voters'), '1@127.0.0.1:19093')
})

test('a second broker takes other ports and says where its secured listener is', (t) => {
  const kafka = new KafkaService({ plain: 19192, controller: 19193, secure: 19194, metrics: 19195 })
  t.is(kafka.port, 19192)
  const listener = kafka.secureListener({ state: '/tmp/stack', cache: '/tmp/cache' })
  t.deepEqual(listener, {
    brokers: '127.0.0.1:19194',
    caFile: '/tmp/stack/kafka/tls/ca.crt',
    mechanism: 'scram-sha-512',
  })
})
