import { createCommerceWriter, type CommerceWriter } from '@oxagry/commerce-api'
import { createMarket, createMarketSink } from '@oxagry/simulator'
import { pgUrlExecutor, type SqlExecutor } from '@oxagry/sink-postgres'
import { serviceUrl } from '@oxagry/testkit'
import { MongoClient, type Db } from 'mongodb'
import { pino } from 'pino'
import { commerceTopicNames, marketTopicsOf, type CommerceTopicNames } from '../commerce/topics.ts'
import { readConfig } from '../config.ts'
import type { PlatformContext } from '../module.ts'
import { platformNames } from '../names.ts'
import { platformModules, startPlatform, type Platform } from '../platform.ts'
import { contextProbe, localBearer, stackPlatformEnv } from './stack-platform.ts'

/** An answer of the platform's REST API: status and parsed body. */
export interface RestAnswer<T> {
  readonly status: number
  readonly body: T
}

export interface RestClient {
  get<T>(path: string): Promise<RestAnswer<T>>
  post(
    path: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<RestAnswer<{ orderId?: string; code?: string; message?: string }>>
  readonly headers: Record<string, string>
}

/** The platform as `npm start` runs it on the stack, with what the end-to-end test reads besides REST. */
export interface CommerceStack {
  readonly platform: Platform
  /** The clients the platform's modules share (Kafka, the registry, ClickHouse) and its names. */
  readonly context: PlatformContext
  readonly topics: CommerceTopicNames
  readonly sessionsTopic: string
  /** Under /api/v1, with a token of every commerce scope. */
  readonly rest: RestClient
  /** Writes as another API instance or the delivery service would. */
  readonly writer: CommerceWriter
  /** The run's own PostgreSQL schema (the commerce views' tables) and MongoDB database. */
  readonly pg: SqlExecutor
  readonly schema: string
  readonly mongo: Db
  /** The catalogue and the opening receipts, as the simulated market writes them. */
  openMarket(receiptUnits: number): Promise<void>
  close(): Promise<void>
}

function withSearchPath(url: string, path: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${path}`)}`
}

/**
 * Starts the platform on the stack's services under the run's own topic prefix, PostgreSQL schema and
 * MongoDB database (dropped by close), with the simulators off and every payment authorised, so the
 * test alone decides what happens.
 */
export async function startCommerceStack(run: string): Promise<CommerceStack> {
  const prefix = `e2e-${run}`
  const schema = `e2e_${run}`
  const pg = pgUrlExecutor(serviceUrl('postgres'), { max: 2 })
  const mongoClient = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
  const mongo = mongoClient.db(platformNames(prefix).mongoDatabase)
  const running: { platform?: Platform; writer?: CommerceWriter } = {}
  const close = async (): Promise<void> => {
    await running.writer?.close()
    await running.platform?.close({ timeoutMs: 30_000 })
    await mongo.dropDatabase().catch(() => {})
    await mongoClient.close()
    await pg.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
    await pg.close()
  }
  try {
    await pg.exec(`CREATE SCHEMA ${schema}`)
    const config = readConfig(
      stackPlatformEnv(prefix, {
        POSTGRES_URL: withSearchPath(serviceUrl('postgres'), schema),
        SIMULATOR: 'off',
        SIM_DECLINE_RATE: '0',
        SINK_BATCH_WAIT_MS: '100',
      }),
    )
    const probe = contextProbe()
    const platform = await startPlatform(config, pino({ level: 'error' }), [
      ...platformModules(config),
      probe.module,
    ])
    running.platform = platform
    const context = probe.context()
    const topics = commerceTopicNames(context.topic)
    const writer = await createCommerceWriter({
      backend: context.backend,
      registry: context.registry,
      autoRegister: true,
      topics: {
        orderEvents: topics.orderEvents,
        orderCommands: topics.orderCommands,
        stockCommands: topics.stockCommands,
        providerNotifications: topics.providerNotifications,
      },
    })
    running.writer = writer
    const base = `${new URL(platform.urls.api).origin}/api/v1`
    const headers = await localBearer(config, ['commerce:read', 'commerce:write', 'commerce:operator'])
    const rest: RestClient = {
      headers,
      async get<T>(path: string) {
        const res = await fetch(`${base}${path}`, { headers })
        return { status: res.status, body: (await res.json()) as T }
      },
      async post(path, body, idempotencyKey) {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
          },
          body: JSON.stringify(body),
        })
        return { status: res.status, body: (await res.json()) as { orderId?: string; code?: string } }
      },
    }
    return {
      platform,
      context,
      topics,
      sessionsTopic: platformNames(prefix).topics.sessions,
      rest,
      writer,
      pg,
      schema,
      mongo,
      async openMarket(receiptUnits) {
        const market = await createMarketSink({
          backend: context.backend,
          registry: context.registry,
          topics: marketTopicsOf(topics),
          autoRegister: true,
        })
        try {
          await market.send(createMarket({ seed: 7, receiptUnits }).opening(Date.now()))
        } finally {
          await market.close()
        }
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
