import { join } from 'node:path'
import {
  DEFAULT_KAFKA_CLIENT,
  isKafkaClientName,
  KAFKA_CLIENTS,
  KafkaError,
  kafkaConnectionFromEnv,
  type KafkaClientName,
  type KafkaConnection,
} from '@oxagry/kafka'
import { ApiOptionsError, resolveMapOptions, type MapOptions } from '@oxagry/fleet-api'
import type { StreamsConfig } from '@oxagry/streams'
import { Ajv } from 'ajv'
import { isPlatformPart, PLATFORM_PARTS, type PlatformPart } from './parts.ts'

/** The main job's configuration, from the environment. Unset service URLs mean embedded defaults. */
export interface MainConfig {
  readonly port: number
  readonly host: string
  /** Kafka (brokers, TLS and SASL from the client's variables); the in-process memory broker when unset. */
  readonly kafka?: KafkaConnection
  /** The Kafka client the platform's applications and sinks use: kafkajs (default) or librdkafka. */
  readonly kafkaClient: KafkaClientName
  /** A Confluent-API registry; an in-process one when unset. */
  readonly schemaRegistryUrl?: string
  /** The machine read model in MongoDB; PGlite (embedded PostgreSQL) when unset. */
  readonly mongodbUrl?: string
  /** The commerce views (orders, payments; stock without MongoDB) in PostgreSQL; PGlite when unset. */
  readonly postgresUrl?: string
  /** ClickHouse over HTTP, or `chdb:<dir>`; chdb under the state directory when unset. */
  readonly clickhouseUrl: string
  readonly stateDir: string
  readonly simulator: {
    readonly enabled: boolean
    readonly machines: number
    readonly rate: number
    readonly seed: number
    /** Checkouts per second of the simulated market. */
    readonly orderRate: number
    /** Machine bookings per minute the simulated farmers make. */
    readonly bookingsPerMinute: number
    /** Share of authorisations the simulated payment provider declines; its own default when unset. */
    readonly declineRate?: number
  }
  readonly processingGuarantee: 'at_least_once' | 'exactly_once'
  /** Kafka Streams' `num.standby.replicas` for every stream application the platform runs (0). */
  readonly numStandbyReplicas: number
  /** Each sink writes a batch when it holds this many records or its oldest waited this long. */
  readonly sinkBatch: { readonly maxRecords: number; readonly maxWaitMs: number }
  /** The payment provider's webhook and the simulated provider's pending outcomes. */
  readonly payments: PaymentsConfig
  /** Prefixes topic names, consumer groups and application ids: several platforms on one cluster. */
  readonly topicPrefix?: string
  /** How the APIs authenticate and what they expose. */
  readonly api: ApiConfig
  /** What this process runs (PLATFORM_PARTS): every part when unset, in `PLATFORM_PARTS`' order. */
  readonly parts: readonly PlatformPart[]
  /**
   * Whether the process creates the catalogue topics its modules declare when they are missing
   * (CREATE_TOPICS, on by default). Off where something else owns them: Strimzi's topic operator.
   */
  readonly createTopics: boolean
}

/**
 * `off`: no tokens, loopback clients only. `jwks`: tokens of an OIDC provider, verified against its
 * JWKS. `local`: tokens of the local signing key (development: `npm run -w @oxagry/api-auth token`).
 */
export type ApiAuthConfig =
  | { readonly mode: 'off' }
  | { readonly mode: 'jwks'; readonly jwksUrl: string; readonly issuer: string; readonly audience: string }
  | { readonly mode: 'local'; readonly keyFile: string }

export interface ApiConfig {
  readonly auth: ApiAuthConfig
  /** Why authentication is on although AUTH was not set; undefined when it was set or is off. */
  readonly authRequiredBy?: string
  readonly security: {
    readonly allowedOrigins: readonly string[]
    readonly rateLimit: { readonly max: number; readonly timeWindowMs: number }
    readonly exposeMetrics: boolean
    readonly exposeDocs: boolean
  }
  /** The live map's base tiles (MAP_TILE_URL, MAP_TILE_ATTRIBUTION, MAP_TILE_MAX_ZOOM), checked. */
  readonly map: MapOptions
}

/**
 * PAYMENT_WEBHOOK_SECRET: the secret the simulated provider signs its webhooks with and the webhook
 * route checks (without it the route is off). On embedded defaults (authentication off, loopback only)
 * a development secret stands in, so pending payments work there too. SIM_PAYMENT_PENDING_RATE: the
 * share of authorisations the simulated provider answers pending (default 0.1 with a webhook, else 0).
 */
export interface PaymentsConfig {
  readonly webhookSecret?: string
  /** True when the secret is the development one of the embedded defaults. */
  readonly developmentSecret: boolean
  readonly pendingRate: number
}

/** The webhook secret of `npm start` on embedded defaults: loopback only, never for a real deployment. */
export const DEVELOPMENT_WEBHOOK_SECRET = 'oxagry-development-webhook-secret'

const ENV_SCHEMA = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    HOST: { type: 'string', minLength: 1 },
    KAFKA_BROKERS: { type: 'string', pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' },
    KAFKA_CLIENT: { enum: KAFKA_CLIENTS },
    SCHEMA_REGISTRY_URL: { type: 'string', pattern: '^https?://' },
    MONGODB_URL: { type: 'string', pattern: '^mongodb(\\+srv)?://' },
    POSTGRES_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    CLICKHOUSE_URL: { type: 'string', pattern: '^(https?://|chdb:)' },
    STATE_DIR: { type: 'string', minLength: 1 },
    SIMULATOR: { enum: ['on', 'off'] },
    SIM_MACHINES: { type: 'integer', minimum: 1, maximum: 100_000 },
    SIM_RATE: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
    SIM_SEED: { type: 'integer' },
    SIM_ORDER_RATE: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 },
    SIM_BOOKINGS_PER_MINUTE: { type: 'number', minimum: 0, maximum: 10_000 },
    SIM_PAYMENT_PENDING_RATE: { type: 'number', minimum: 0, maximum: 1 },
    PAYMENT_WEBHOOK_SECRET: { type: 'string', minLength: 16, maxLength: 512 },
    SIM_DECLINE_RATE: { type: 'number', minimum: 0, maximum: 1 },
    PROCESSING_GUARANTEE: { enum: ['at_least_once', 'exactly_once'] },
    NUM_STANDBY_REPLICAS: { type: 'integer', minimum: 0 },
    SINK_BATCH_RECORDS: { type: 'integer', minimum: 1, maximum: 100_000 },
    SINK_BATCH_WAIT_MS: { type: 'integer', minimum: 0, maximum: 60_000 },
    TOPIC_PREFIX: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    AUTH: { enum: ['on', 'off'] },
    AUTH_JWKS_URL: { type: 'string', pattern: '^https?://' },
    AUTH_ISSUER: { type: 'string', minLength: 1 },
    AUTH_AUDIENCE: { type: 'string', minLength: 1 },
    AUTH_LOCAL_KEY_FILE: { type: 'string', minLength: 1 },
    CORS_ORIGINS: { type: 'string', pattern: '^https?://[^,\\s/]+(,https?://[^,\\s/]+)*$' },
    RATE_LIMIT_MAX: { type: 'integer', minimum: 1 },
    RATE_LIMIT_WINDOW_MS: { type: 'integer', minimum: 1 },
    EXPOSE_METRICS: { enum: ['on', 'off'] },
    EXPOSE_DOCS: { enum: ['on', 'off'] },
    MAP_TILE_URL: { type: 'string', pattern: '^(off|https?://.+)$' },
    MAP_TILE_ATTRIBUTION: { type: 'string', maxLength: 500 },
    MAP_TILE_MAX_ZOOM: { type: 'integer', minimum: 1, maximum: 24 },
    PLATFORM_PARTS: { type: 'string', pattern: '^[a-z-]+(,[a-z-]+)*$' },
    CREATE_TOPICS: { enum: ['on', 'off'] },
  },
  // A provider's tokens are checked for its issuer and this API's audience: all three or none.
  dependencies: {
    AUTH_JWKS_URL: ['AUTH_ISSUER', 'AUTH_AUDIENCE'],
    AUTH_ISSUER: ['AUTH_JWKS_URL'],
    AUTH_AUDIENCE: ['AUTH_JWKS_URL'],
  },
} as const

const validate = new Ajv({ allErrors: true, strict: false, coerceTypes: true }).compile(ENV_SCHEMA)

export class ConfigError extends Error {
  readonly code = 'OXA_MAIN_INVALID_CONFIG'
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

/**
 * The runtime settings every stream application of the platform shares: its stores under the state
 * directory, and its standby replicas.
 */
export function platformStreamsConfig(
  config: MainConfig,
): Pick<StreamsConfig, 'stateDir' | 'numStandbyReplicas'> {
  return { stateDir: join(config.stateDir, 'streams'), numStandbyReplicas: config.numStandbyReplicas }
}

/** Reads and validates the environment once; every bad value is named with what was expected. */
export function readConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): MainConfig {
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(ENV_SCHEMA.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') picked[key] = value
  }
  if (!validate(picked)) {
    throw new ConfigError(
      (validate.errors ?? []).map((e) => {
        const name = e.instancePath.slice(1)
        return `${name}=${JSON.stringify(env[name])}: ${e.message ?? 'is invalid'}${e.keyword === 'enum' ? ` (${(e.params.allowedValues as string[]).join(', ')})` : ''}`
      }),
    )
  }
  const v = picked as Record<string, string | number | undefined>
  let kafka: KafkaConnection | undefined
  if (v.KAFKA_BROKERS !== undefined) {
    try {
      kafka = kafkaConnectionFromEnv(env)
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error
      throw new ConfigError([error.message])
    }
  }
  const stateDir = String(v.STATE_DIR ?? join(cwd, '.oxagry'))
  const map = mapOptions(v)
  const parts = platformParts(v.PLATFORM_PARTS)
  const authRequiredBy = whyAuthIsRequired(v)
  if (v.AUTH === 'off' && authRequiredBy !== undefined)
    throw new ConfigError([`AUTH="off": authentication is required when ${authRequiredBy}`])
  const auth: ApiAuthConfig =
    v.AUTH === 'off' || (v.AUTH === undefined && authRequiredBy === undefined)
      ? { mode: 'off' }
      : v.AUTH_JWKS_URL !== undefined
        ? {
            mode: 'jwks',
            jwksUrl: String(v.AUTH_JWKS_URL),
            issuer: String(v.AUTH_ISSUER),
            audience: String(v.AUTH_AUDIENCE),
          }
        : {
            mode: 'local',
            keyFile: String(v.AUTH_LOCAL_KEY_FILE ?? join(stateDir, 'auth', 'local-signing-key.json')),
          }
  const webhookSecret =
    v.PAYMENT_WEBHOOK_SECRET !== undefined
      ? String(v.PAYMENT_WEBHOOK_SECRET)
      : auth.mode === 'off'
        ? DEVELOPMENT_WEBHOOK_SECRET
        : undefined
  const pendingRate = Number(v.SIM_PAYMENT_PENDING_RATE ?? (webhookSecret === undefined ? 0 : 0.1))
  if (pendingRate > 0 && webhookSecret === undefined)
    throw new ConfigError([
      `SIM_PAYMENT_PENDING_RATE=${pendingRate}: pending payments are decided by webhook, which needs PAYMENT_WEBHOOK_SECRET`,
    ])
  return {
    port: Number(v.PORT ?? 8080),
    host: String(v.HOST ?? '127.0.0.1'),
    ...(kafka === undefined ? {} : { kafka }),
    kafkaClient: isKafkaClientName(String(v.KAFKA_CLIENT))
      ? (v.KAFKA_CLIENT as KafkaClientName)
      : DEFAULT_KAFKA_CLIENT,
    ...(v.SCHEMA_REGISTRY_URL === undefined ? {} : { schemaRegistryUrl: String(v.SCHEMA_REGISTRY_URL) }),
    ...(v.MONGODB_URL === undefined ? {} : { mongodbUrl: String(v.MONGODB_URL) }),
    ...(v.POSTGRES_URL === undefined ? {} : { postgresUrl: String(v.POSTGRES_URL) }),
    clickhouseUrl: String(v.CLICKHOUSE_URL ?? `chdb:${join(stateDir, 'clickhouse')}`),
    stateDir,
    simulator: {
      enabled: v.SIMULATOR !== 'off',
      machines: Number(v.SIM_MACHINES ?? 200),
      rate: Number(v.SIM_RATE ?? 100),
      seed: Number(v.SIM_SEED ?? 42),
      orderRate: Number(v.SIM_ORDER_RATE ?? 5),
      bookingsPerMinute: Number(v.SIM_BOOKINGS_PER_MINUTE ?? 2),
      ...(v.SIM_DECLINE_RATE === undefined ? {} : { declineRate: Number(v.SIM_DECLINE_RATE) }),
    },
    processingGuarantee: v.PROCESSING_GUARANTEE === 'exactly_once' ? 'exactly_once' : 'at_least_once',
    numStandbyReplicas: Number(v.NUM_STANDBY_REPLICAS ?? 0),
    sinkBatch: {
      maxRecords: Number(v.SINK_BATCH_RECORDS ?? 2000),
      maxWaitMs: Number(v.SINK_BATCH_WAIT_MS ?? 250),
    },
    ...(v.TOPIC_PREFIX === undefined ? {} : { topicPrefix: String(v.TOPIC_PREFIX) }),
    payments: {
      ...(webhookSecret === undefined ? {} : { webhookSecret }),
      developmentSecret: v.PAYMENT_WEBHOOK_SECRET === undefined && webhookSecret !== undefined,
      pendingRate,
    },
    api: {
      auth,
      ...(v.AUTH === undefined && authRequiredBy !== undefined ? { authRequiredBy } : {}),
      security: {
        allowedOrigins: v.CORS_ORIGINS === undefined ? [] : String(v.CORS_ORIGINS).split(','),
        rateLimit: {
          max: Number(v.RATE_LIMIT_MAX ?? 1200),
          timeWindowMs: Number(v.RATE_LIMIT_WINDOW_MS ?? 60_000),
        },
        exposeMetrics: v.EXPOSE_METRICS !== 'off',
        exposeDocs: v.EXPOSE_DOCS !== 'off',
      },
      map,
    },
    parts,
    createTopics: v.CREATE_TOPICS !== 'off',
  }
}

/** PLATFORM_PARTS, each name checked: unset is every part. */
function platformParts(value: string | number | undefined): readonly PlatformPart[] {
  if (value === undefined) return PLATFORM_PARTS
  const names = String(value).split(',')
  const unknown = names.filter((name) => !isPlatformPart(name))
  if (unknown.length > 0)
    throw new ConfigError([
      `PLATFORM_PARTS=${JSON.stringify(value)}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a part' : 'are not parts'} (${PLATFORM_PARTS.join(', ')})`,
    ])
  return PLATFORM_PARTS.filter((part) => names.includes(part))
}

/** The map's tiles: `MAP_TILE_URL=off` draws none; the fleet API's own rules check the template. */
function mapOptions(v: Record<string, string | number | undefined>): MapOptions {
  try {
    return resolveMapOptions({
      tiles: {
        ...(v.MAP_TILE_URL === undefined
          ? {}
          : { urlTemplate: v.MAP_TILE_URL === 'off' ? null : String(v.MAP_TILE_URL) }),
        ...(v.MAP_TILE_ATTRIBUTION === undefined ? {} : { attribution: String(v.MAP_TILE_ATTRIBUTION) }),
        ...(v.MAP_TILE_MAX_ZOOM === undefined ? {} : { maxZoom: Number(v.MAP_TILE_MAX_ZOOM) }),
      },
    })
  } catch (error) {
    if (!(error instanceof ApiOptionsError)) throw error
    throw new ConfigError(
      error.problems.map((p) =>
        p
          .replace('map.tiles.urlTemplate', `MAP_TILE_URL=${JSON.stringify(v.MAP_TILE_URL)}:`)
          .replace('map.tiles.attribution', 'MAP_TILE_ATTRIBUTION')
          .replace('map.tiles.maxZoom', 'MAP_TILE_MAX_ZOOM'),
      ),
    )
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

/**
 * Authentication may be off only for `npm start` on embedded defaults on loopback: an API listening
 * beyond loopback, or next to real services (real data), needs it. Says why it is needed, if it is.
 */
function whyAuthIsRequired(v: Record<string, string | number | undefined>): string | undefined {
  if (v.HOST !== undefined && !LOOPBACK_HOSTS.has(String(v.HOST)))
    return `HOST=${String(v.HOST)} is beyond loopback`
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URL', 'POSTGRES_URL'])
    if (v[name] !== undefined) return `${name} names a real service`
  if (v.CLICKHOUSE_URL !== undefined && String(v.CLICKHOUSE_URL).startsWith('http'))
    return 'CLICKHOUSE_URL names a real service'
  return undefined
}
