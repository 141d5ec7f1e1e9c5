import test from 'ava'
import { MemoryBackend } from '@oxagry/kafka'
import { resolveConfig } from '@oxagry/streams'
import { ConfigError, DEVELOPMENT_WEBHOOK_SECRET, platformStreamsConfig, readConfig } from './config.ts'
import { PLATFORM_PARTS } from './parts.ts'

test('no environment: embedded defaults on 127.0.0.1:8080 with state under the working directory', (t) => {
  const config = readConfig({}, '/srv/app')
  t.is(config.port, 8080)
  t.is(config.kafka, undefined)
  t.is(config.schemaRegistryUrl, undefined)
  t.is(config.mongodbUrl, undefined)
  t.is(config.postgresUrl, undefined)
  t.is(config.clickhouseUrl, 'chdb:/srv/app/.oxagry/clickhouse')
  t.deepEqual(config.simulator, {
    enabled: true,
    bookingsPerMinute: 2,
    machines: 200,
    rate: 100,
    seed: 42,
    orderRate: 5,
  })
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

test('NUM_STANDBY_REPLICAS reaches every stream application the platform runs; a bad one is named', (t) => {
  t.is(readConfig({}, '/srv').numStandbyReplicas, 0)
  const config = readConfig({ NUM_STANDBY_REPLICAS: '1' }, '/srv')
  const streams = resolveConfig(
    { applicationId: 'oxagry-tracking', backend: new MemoryBackend(), ...platformStreamsConfig(config) },
    '/tmp/unused',
  )
  t.is(streams.numStandbyReplicas, 1)
  t.is(streams.stateDir, '/srv/.oxagry/streams')
  for (const bad of ['-1', 'one', '1.5']) {
    const error = t.throws(() => readConfig({ NUM_STANDBY_REPLICAS: bad }, '/srv'), {
      instanceOf: ConfigError,
    })
    t.regex(error?.message ?? '', /NUM_STANDBY_REPLICAS=/)
  }
})

test('service URLs in the environment select the real services', (t) => {
  const config = readConfig({
    PORT: '9000',
    KAFKA_BROKERS: '127.0.0.1:9092,10.0.0.2:9092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
    MONGODB_URL: 'mongodb://127.0.0.1:27017/',
    CLICKHOUSE_URL: 'http://127.0.0.1:8123',
    POSTGRES_URL: 'postgres://oxagry@127.0.0.1:5432/oxagry',
  })
  t.is(config.port, 9000)
  t.is(config.postgresUrl, 'postgres://oxagry@127.0.0.1:5432/oxagry')
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
      POSTGRES_URL: 'mysql://db',
    }),
  )
  t.true(error instanceof ConfigError)
  t.regex(error.message, /PORT="eighty": must be integer/)
  t.regex(error.message, /KAFKA_BROKERS="localhost": must match pattern/)
  t.regex(error.message, /SIMULATOR="maybe": must be equal to one of the allowed values \(on, off\)/)
  t.regex(error.message, /SIM_RATE="0": must be > 0/)
  t.regex(error.message, /SINK_BATCH_RECORDS="0": must be >= 1/)
  t.regex(error.message, /POSTGRES_URL="mysql:\/\/db": must match pattern/)
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
  t.is(secured.kafkaClient, 'kafkajs')
  t.is(readConfig({ KAFKA_BROKERS: 'kafka:9093', KAFKA_CLIENT: 'rdkafka' }).kafkaClient, 'rdkafka')
  t.regex(t.throws(() => readConfig({ KAFKA_CLIENT: 'java' })).message, /KAFKA_CLIENT="java"/)
})

test('authentication is off only on embedded defaults on loopback; beyond that it is on, with the reason', (t) => {
  t.deepEqual(readConfig({}, '/srv/app').api.auth, { mode: 'off' })
  t.deepEqual(readConfig({ HOST: 'localhost' }).api.auth, { mode: 'off' })
  for (const [env, reason] of [
    [{ HOST: '0.0.0.0' }, 'HOST=0.0.0.0 is beyond loopback'],
    [{ KAFKA_BROKERS: '127.0.0.1:9092' }, 'KAFKA_BROKERS names a real service'],
    [{ MONGODB_URL: 'mongodb://127.0.0.1:27017/' }, 'MONGODB_URL names a real service'],
    [{ CLICKHOUSE_URL: 'http://127.0.0.1:8123' }, 'CLICKHOUSE_URL names a real service'],
  ] as const) {
    const config = readConfig(env, '/srv/app')
    t.deepEqual(config.api.auth, { mode: 'local', keyFile: '/srv/app/.oxagry/auth/local-signing-key.json' })
    t.is(config.api.authRequiredBy, reason)
  }
  t.deepEqual(readConfig({ CLICKHOUSE_URL: 'chdb:/tmp/x' }).api.auth, { mode: 'off' })
  t.deepEqual(readConfig({ AUTH: 'on' }, '/srv/app').api.auth.mode, 'local')
  const error = t.throws(() => readConfig({ AUTH: 'off', MONGODB_URL: 'mongodb://db:27017/' }), {
    instanceOf: ConfigError,
  })
  t.regex(
    error?.message ?? '',
    /AUTH="off": authentication is required when MONGODB_URL names a real service/,
  )
})

test("an OIDC provider's JWKS needs its issuer and the audience; CORS, rate limit and exposure are tunable", (t) => {
  const error = t.throws(() => readConfig({ AUTH_JWKS_URL: 'https://idp.example.com/jwks' }), {
    instanceOf: ConfigError,
  })
  t.regex(error?.message ?? '', /must have properties AUTH_ISSUER, AUTH_AUDIENCE/)
  const config = readConfig({
    HOST: '0.0.0.0',
    AUTH_JWKS_URL: 'https://idp.example.com/jwks',
    AUTH_ISSUER: 'https://idp.example.com/',
    AUTH_AUDIENCE: 'oxagry-fleet',
    CORS_ORIGINS: 'https://dash.example.com,http://localhost:3000',
    RATE_LIMIT_MAX: '50',
    RATE_LIMIT_WINDOW_MS: '1000',
    EXPOSE_METRICS: 'off',
  })
  t.deepEqual(config.api.auth, {
    mode: 'jwks',
    jwksUrl: 'https://idp.example.com/jwks',
    issuer: 'https://idp.example.com/',
    audience: 'oxagry-fleet',
  })
  t.deepEqual(config.api.security, {
    allowedOrigins: ['https://dash.example.com', 'http://localhost:3000'],
    rateLimit: { max: 50, timeWindowMs: 1000 },
    exposeMetrics: false,
    exposeDocs: true,
  })
  t.throws(() => readConfig({ CORS_ORIGINS: '*' }), { message: /CORS_ORIGINS="\*": must match pattern/ })
})

test('the simulated market’s checkout rate is read and checked', (t) => {
  t.is(readConfig({ SIM_ORDER_RATE: '12.5' }, '/srv').simulator.orderRate, 12.5)
  const error = t.throws(() => readConfig({ SIM_ORDER_RATE: '0' }, '/srv'), { instanceOf: ConfigError })
  t.regex(error?.message ?? '', /SIM_ORDER_RATE="0": must be > 0/)
  t.is(readConfig({}, '/srv').simulator.declineRate, undefined, "the provider's own default")
  t.is(readConfig({ SIM_DECLINE_RATE: '0' }, '/srv').simulator.declineRate, 0)
  const rate = t.throws(() => readConfig({ SIM_DECLINE_RATE: '1.5' }, '/srv'), { instanceOf: ConfigError })
  t.regex(rate?.message ?? '', /SIM_DECLINE_RATE="1.5": must be <= 1/)
})

test("the map's tiles: OpenStreetMap by default, another template, or none; a bad template is refused", (t) => {
  t.is(readConfig({}, '/srv').api.map.tiles.urlTemplate, 'https://tile.openstreetmap.org/{z}/{x}/{y}.png')
  const own = readConfig(
    {
      MAP_TILE_URL: 'https://{s}.tiles.example.com/{z}/{x}/{y}.png',
      MAP_TILE_ATTRIBUTION: '© Example',
      MAP_TILE_MAX_ZOOM: '17',
    },
    '/srv',
  ).api.map.tiles
  t.like(own, {
    urlTemplate: 'https://{s}.tiles.example.com/{z}/{x}/{y}.png',
    attribution: '© Example',
    maxZoom: 17,
  })
  t.is(readConfig({ MAP_TILE_URL: 'off' }, '/srv').api.map.tiles.urlTemplate, null)
  const missing = t.throws(
    () => readConfig({ MAP_TILE_URL: 'https://tiles.example.com/{z}/{x}.png' }, '/srv'),
    {
      instanceOf: ConfigError,
    },
  )
  t.regex(
    missing?.message ?? '',
    /MAP_TILE_URL="https:\/\/tiles.example.com\/\{z\}\/\{x\}.png": must contain \{y\}/,
  )
  t.throws(() => readConfig({ MAP_TILE_URL: 'ftp://tiles/{z}/{x}/{y}' }, '/srv'), {
    message: /MAP_TILE_URL="ftp/,
  })
  t.throws(() => readConfig({ MAP_TILE_MAX_ZOOM: '30' }, '/srv'), {
    message: /MAP_TILE_MAX_ZOOM="30": must be <= 24/,
  })
})

test('payments: embedded defaults share a development webhook secret with the simulated provider; with auth on, no secret means no webhook and nothing pending', (t) => {
  t.deepEqual(readConfig({}).payments, {
    webhookSecret: DEVELOPMENT_WEBHOOK_SECRET,
    developmentSecret: true,
    pendingRate: 0.1,
  })
  t.deepEqual(readConfig({ AUTH: 'on' }).payments, { developmentSecret: false, pendingRate: 0 })
  t.deepEqual(
    readConfig({
      AUTH: 'on',
      PAYMENT_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      SIM_PAYMENT_PENDING_RATE: '0.5',
    }).payments,
    { webhookSecret: 'whsec_0123456789abcdef', developmentSecret: false, pendingRate: 0.5 },
  )
  t.is(readConfig({ SIM_PAYMENT_PENDING_RATE: '0' }).payments.pendingRate, 0)
  const noSecret = t.throws(() => readConfig({ AUTH: 'on', SIM_PAYMENT_PENDING_RATE: '0.2' }), {
    instanceOf: ConfigError,
  })
  t.regex(noSecret?.message ?? '', /needs PAYMENT_WEBHOOK_SECRET/)
  const bad = t.throws(() => readConfig({ PAYMENT_WEBHOOK_SECRET: 'short', SIM_PAYMENT_PENDING_RATE: '2' }), {
    instanceOf: ConfigError,
  })
  t.regex(bad?.message ?? '', /PAYMENT_WEBHOOK_SECRET/)
  t.regex(bad?.message ?? '', /SIM_PAYMENT_PENDING_RATE/)
})

test('PLATFORM_PARTS picks what the process runs, each name checked; CREATE_TOPICS=off leaves topics to their owner', (t) => {
  const everything = readConfig({})
  t.deepEqual(everything.parts, PLATFORM_PARTS)
  t.true(everything.createTopics)
  const some = readConfig({ PLATFORM_PARTS: 'api,orders', CREATE_TOPICS: 'off' })
  t.deepEqual(some.parts, ['orders', 'api'], "in PLATFORM_PARTS' order")
  t.false(some.createTopics)
  const error = t.throws(() => readConfig({ PLATFORM_PARTS: 'orders,order,sink-stock,apis' }), {
    instanceOf: ConfigError,
  })
  t.regex(
    error.message,
    /PLATFORM_PARTS="orders,order,sink-stock,apis": order, apis are not parts \(tracking, orders/,
  )
  t.throws(() => readConfig({ PLATFORM_PARTS: 'orders,,api' }), {
    instanceOf: ConfigError,
    message: /PLATFORM_PARTS/,
  })
  t.throws(() => readConfig({ CREATE_TOPICS: 'no' }), { instanceOf: ConfigError, message: /CREATE_TOPICS/ })
})
