import { mkdirSync } from 'node:fs'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createClickHouseClient } from '@oxagry/clickhouse'
import { annotatedFeed, buildApp, type PositionFeed } from '@oxagry/fleet-api'
import {
  describeConnection,
  createKafkaBackend,
  MemoryBackend,
  MemoryBroker,
  type KafkaBackend,
} from '@oxagry/kafka'
import { startEmbeddedRegistry } from '@oxagry/registry'
import { creatableTopic } from '@oxagry/topics'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { apiAuthSettings } from './api-auth.ts'
import { mountCommerceApi } from './commerce-api.ts'
import type { MainConfig } from './config.ts'
import {
  Closers,
  type DomainModule,
  type ModuleRoutes,
  type PlatformContext,
  type PlatformHealth,
  type StartedModule,
} from './module.ts'
import { followTopic } from './live-view.ts'
import { bookingsModule } from './modules/bookings.ts'
import { commerceModule } from './modules/commerce.ts'
import { commerceFactsModule } from './modules/commerce-facts.ts'
import { commerceViewsModule } from './modules/commerce-views.ts'
import { fleetModule } from './modules/fleet.ts'
import { notificationsModule } from './modules/notifications.ts'
import { platformNames } from './names.ts'
import { buildHealthServer } from './health-server.ts'
import type { PlatformPart } from './parts.ts'
import { checkKafkaReachable, checkPortFree } from './preflight.ts'

export interface Platform {
  /** Where the API listens: the configured host (`0.0.0.0` is every interface) and the port bound. */
  readonly listening: { readonly host: string; readonly port: number }
  readonly urls: {
    readonly api: string
    readonly docs: string
    readonly map: string
    readonly live: string
    readonly metrics: string
  }
  /** What runs where: embedded or the real service's address. */
  readonly services: Readonly<Record<string, string>>
  /** What this process runs (`PLATFORM_PARTS`). */
  readonly parts: readonly PlatformPart[]
  /** The live feed every WebSocket client is served from, when this process runs the API. */
  readonly positions?: PositionFeed
  /** Every application's and sink's health, by name. */
  health(): PlatformHealth
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * How long the in-process broker keeps records of delete-policy topics (compacted ones keep each key's
 * newest): an hour of pings is what the live views need, and the history is in ClickHouse. Without a
 * bound it held every record for ever (~2 GB an hour at the default 100 pings/s).
 */
export const EMBEDDED_RETENTION_MS = 3_600_000

/** The platform's domains, in the order they start. */
export function platformModules(config: MainConfig): DomainModule[] {
  const { mongoDatabase } = platformNames(config.topicPrefix)
  return [
    fleetModule({ mongoDatabase }),
    commerceModule(),
    commerceViewsModule({ mongoDatabase }),
    commerceFactsModule(),
    bookingsModule(),
    notificationsModule(),
  ]
}

function fleetRoutes(routes: readonly ModuleRoutes[]): Extract<ModuleRoutes, { kind: 'fleet-api' }> {
  const fleet = routes.find((r) => r.kind === 'fleet-api')
  if (fleet === undefined) throw new Error('no module serves the fleet API')
  return fleet
}

export interface StartPlatformOptions {
  /**
   * Wraps the Kafka backend the platform made before any module gets it: an instrumented backend
   * (one noting what each call asks of the broker, say). The platform still closes the wrapper.
   */
  readonly wrapBackend?: (backend: KafkaBackend) => KafkaBackend
}

/**
 * Starts every domain module in this process on shared clients (Kafka, the registry, ClickHouse, one
 * metrics registry) and serves their routes on one HTTP server. Each service is the real one when its
 * URL is configured and the embedded default otherwise.
 */
export async function startPlatform(
  config: MainConfig,
  logger: Logger,
  modules: readonly DomainModule[] = platformModules(config),
  options: StartPlatformOptions = {},
): Promise<Platform> {
  mkdirSync(config.stateDir, { recursive: true })
  await checkPortFree(config.host, config.port)
  if (config.kafka !== undefined) await checkKafkaReachable(config.kafka)
  const closers = new Closers(logger)
  try {
    const metrics = new Registry()
    const services: Record<string, string> = {}

    const made: KafkaBackend =
      config.kafka === undefined
        ? new MemoryBackend(new MemoryBroker({ maxRetentionMs: EMBEDDED_RETENTION_MS }))
        : createKafkaBackend(config.kafkaClient, {
            ...config.kafka,
            logger: logger.child({ component: config.kafkaClient }),
          })
    const backend = options.wrapBackend === undefined ? made : options.wrapBackend(made)
    services.kafka =
      config.kafka === undefined ? 'embedded (in-process broker)' : describeConnection(config.kafka)
    closers.add(() => backend.close())

    let registryUrl = config.schemaRegistryUrl
    if (registryUrl === undefined) {
      const embedded = await startEmbeddedRegistry()
      closers.add(() => embedded.close())
      registryUrl = embedded.url
      services.registry = `embedded (${registryUrl})`
    } else services.registry = registryUrl

    const clickhouse = createClickHouseClient(config.clickhouseUrl)
    closers.add(() => clickhouse.close())
    services.clickhouse = config.clickhouseUrl

    const names = platformNames(config.topicPrefix)
    const topic = (spec: { name: string }): string => names.topic(spec.name)
    // Every module's topics in one place, before any module starts: modules read each other's topics.
    if (config.createTopics) {
      const admin = await backend.admin()
      try {
        const declared = new Map(modules.flatMap((m) => m.topics).map((spec) => [spec.name, spec]))
        await admin.createTopics(
          [...declared.values()].map((spec) => creatableTopic(spec, { name: topic(spec) })),
        )
      } finally {
        await admin.close()
      }
    }
    const runs = (part: PlatformPart): boolean => config.parts.includes(part)

    // Known once the server listens: the simulated payment provider delivers its webhooks there.
    const api: { base?: string } = {}
    const context: PlatformContext = {
      config,
      logger,
      simulation: {},
      backend,
      registry: new ConfluentSchemaRegistry({ url: registryUrl, clientId: 'oxagry-main' }),
      clickhouse,
      metrics,
      topic,
      group: names.group,
      sinks: {
        backend,
        logger: logger.child({ component: 'sinks' }),
        metricsRegistry: metrics,
        batch: config.sinkBatch,
      },
      follow: (topic, onValue) =>
        followTopic({
          backend,
          topic,
          readCommitted: config.processingGuarantee === 'exactly_once',
          onValue,
          logger,
        }),
      describe: (service, where) => {
        services[service] = where
      },
      apiUrl: () => api.base,
      runs,
      simulating: config.simulator.enabled && runs('api'),
    }

    const started: { module: DomainModule; running: StartedModule }[] = []
    for (const module of modules) {
      const running = await module.start(context)
      closers.add(() => running.close())
      started.push({ module, running })
    }
    const applications = started.flatMap(({ running }) => Object.entries(running.applications))
    const sinks = started.flatMap(({ running }) => Object.entries(running.sinks))

    // Ready means every application is processing and every sink writing: a sink retrying a store
    // that is down makes the process not ready until the store is back (the API still answers).
    const readiness = {
      notReady: async () => {
        const waiting = [
          ...started.flatMap(({ module, running }) => {
            const why = running.notReady?.()
            return why === undefined ? [] : [`${module.name}: ${why}`]
          }),
          ...applications
            .filter(([, application]) => !application.health().ready)
            .map(([name, application]) => `${name} is ${application.health().state}`),
          ...sinks
            .filter(([, sink]) => !sink.health().ready)
            .map(([name, sink]) => `sink ${name} is ${sink.health().state}`),
        ]
        return waiting.length === 0 ? undefined : waiting.join(', ')
      },
    }
    const served: { app: FastifyInstance; positions?: PositionFeed } = runs('api')
      ? await serveApis(context, started, readiness, closers)
      : {
          app: await buildHealthServer({
            readiness,
            registry: metrics,
            auth: await apiAuthSettings(config),
            security: config.api.security,
          }),
        }
    const { app } = served
    closers.add(() => app.close())

    for (const { running } of started) {
      if (running.startTraffic !== undefined) closers.add(await running.startTraffic())
    }

    const address = await app.listen({ port: config.port, host: config.host })
    const base = address.replace('[::1]', 'localhost')
    api.base = base
    const bound = app.server.address()
    return {
      listening: {
        host: config.host,
        port: typeof bound === 'object' && bound !== null ? bound.port : config.port,
      },
      urls: {
        api: `${base}/api/v1/machines`,
        docs: `${base}/docs`,
        map: `${base}/map`,
        live: `${base.replace(/^http/, 'ws')}/ws/machines`,
        metrics: `${base}/metrics`,
      },
      services,
      parts: config.parts,
      ...(served.positions === undefined ? {} : { positions: served.positions }),
      health: () => ({
        applications: Object.fromEntries(
          applications.map(([name, application]) => [name, application.health()]),
        ),
        sinks: Object.fromEntries(sinks.map(([name, sink]) => [name, sink.health()])),
      }),
      close: async (options) => {
        const timeout = new Promise<void>((resolve) =>
          setTimeout(resolve, options?.timeoutMs ?? 30_000).unref(),
        )
        await Promise.race([closers.closeAll(), timeout])
      },
    }
  } catch (error) {
    await closers.closeAll()
    throw error
  }
}

/**
 * The fleet and commerce APIs on one server, over the routes the modules serve: the fleet API's
 * (which every API process has), with the commerce API mounted when the commerce views are served.
 */
async function serveApis(
  context: PlatformContext,
  started: readonly { module: DomainModule; running: StartedModule }[],
  readiness: { notReady(): Promise<string | undefined> },
  closers: Closers,
): Promise<{ app: FastifyInstance; positions: PositionFeed }> {
  const { config } = context
  const routes = started.flatMap(({ running }) => running.routes)
  const fleet = fleetRoutes(routes)
  const bookings = routes.find(
    (r): r is Extract<ModuleRoutes, { kind: 'bookings-view' }> => r.kind === 'bookings-view',
  )
  const { app } = await buildApp({
    ...fleet.ports,
    // With bookings, the live feed and the map show each machine's type and booking of the moment.
    ...(bookings === undefined ? {} : { feed: annotatedFeed(fleet.ports.feed, bookings.annotate) }),
    readiness,
    registry: context.metrics,
    logger: false,
    auth: await apiAuthSettings(config),
    security: config.api.security,
    map: config.api.map,
  })
  const commerceViews = routes.find(
    (r): r is Extract<ModuleRoutes, { kind: 'commerce-views' }> => r.kind === 'commerce-views',
  )
  const notificationViews = routes.find(
    (r): r is Extract<ModuleRoutes, { kind: 'notification-views' }> => r.kind === 'notification-views',
  )
  // Its stop is added before the server's close, so it runs after it: no request writes to a closed producer.
  if (commerceViews !== undefined)
    closers.add(
      await mountCommerceApi(app, context, commerceViews, config.payments, {
        ...(bookings === undefined ? {} : { bookings: bookings.bookings }),
        ...(notificationViews === undefined ? {} : { notifications: notificationViews.notifications }),
      }),
    )
  return { app, positions: fleet.ports.feed }
}
