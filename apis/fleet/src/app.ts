import type { AuthSettings } from '@oxagry/api-auth'
import {
  createApiServer,
  healthPlugin,
  type AccessTable,
  type HttpLimits,
  type SecurityOptions,
} from '@oxagry/api-http'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { Gauge, type Registry } from 'prom-client'
import { LiveHub, type HubOptions } from './live/hub.ts'
import { MAX_FRAME_BYTES } from './live/messages.ts'
import { resolveHubOptions } from './options.ts'
import { resolveMapOptions, tileOrigin, type TileSource } from './map/options.ts'
import { machinesPlugin } from './plugins/machines.ts'
import { mapPlugin } from './plugins/map.ts'
import type { GeofenceQueries, HistoryQueries, MachineQueries, PositionFeed, Readiness } from './ports.ts'

/** The scopes of the fleet API's tokens. */
export const FLEET_SCOPES = { read: 'fleet:read', ops: 'ops' } as const

/**
 * Who may call what, by path prefix, first match: the one access table. Routes it does not name need a
 * valid token with no particular scope.
 */
const ACCESS: AccessTable = [
  ['/api/v1/', { scopes: [FLEET_SCOPES.read] }],
  ['/ws/', { scopes: [FLEET_SCOPES.read] }],
  ['/metrics', { scopes: [FLEET_SCOPES.ops] }],
  // Probes, the map's static files (the data they load needs a token) and the API's documentation.
  ['/health/', { public: true }],
  ['/map', { public: true }],
  ['/docs', { public: true }],
]

export interface AppOptions {
  readonly machines: MachineQueries
  readonly history: HistoryQueries
  readonly geofences: GeofenceQueries
  readonly feed: PositionFeed
  readonly readiness?: Readiness
  /** Where metrics are registered (share the streams registry to expose both on one /metrics). */
  readonly registry?: Registry
  readonly live?: Partial<HubOptions>
  readonly logger?: FastifyServerOptions['logger']
  /** Timeouts, the connection cap and the body limit; defaults in DEFAULT_HTTP_LIMITS. */
  readonly http?: Partial<HttpLimits>
  /**
   * Authentication (`@oxagry/api-auth`). Without it authentication is off and the API answers loopback
   * clients only: give `{ mode: 'jwt', … }` whenever it listens beyond loopback.
   */
  readonly auth?: AuthSettings
  /** CORS, rate limits, what /metrics and /docs expose; defaults in DEFAULT_SECURITY. */
  readonly security?: Partial<SecurityOptions>
  /** The live map's base tiles; defaults in DEFAULT_MAP_OPTIONS (OpenStreetMap). */
  readonly map?: { readonly tiles?: Partial<TileSource> }
}

/**
 * The map's base tiles (images) may also come from the configured tile origin. Helmet's default
 * upgrade would send a plain-http tile server's requests over https, where it has none.
 */
function tileDirectives(tiles: TileSource): Record<string, string[] | null> {
  const tileSources = tiles.urlTemplate === null ? [] : [tileOrigin(tiles.urlTemplate) ?? "'none'"]
  return {
    imgSrc: ["'self'", 'data:', ...tileSources],
    ...(tiles.urlTemplate?.startsWith('http:') === true ? { upgradeInsecureRequests: null } : {}),
  }
}

/**
 * The fleet API as a Fastify instance, not listening: REST under /api/v1, OpenAPI at /docs, the live
 * feed at /ws/machines, the map at /map, health and metrics. `listen` is the caller's.
 */
export async function buildApp(options: AppOptions): Promise<{ app: FastifyInstance; hub: LiveHub }> {
  const map = resolveMapOptions(options.map)
  const { app, registry, security } = await createApiServer({
    contentSecurityPolicy: tileDirectives(map.tiles),
    title: 'oxagry fleet API',
    description: 'Machines, their live positions, tracks and trips.',
    scopeNote: `Every operation needs a bearer token (JWT) with the \`${FLEET_SCOPES.read}\` scope.`,
    access: ACCESS,
    wsMaxPayload: MAX_FRAME_BYTES,
    ...options,
  })
  const hub = new LiveHub(options.feed, resolveHubOptions(options.live))
  new Gauge({
    name: 'oxagry_api_ws_clients',
    help: 'Open WebSocket clients of the live feed',
    registers: [registry],
    collect() {
      this.set(hub.stats().clients)
    },
  })
  new Gauge({
    name: 'oxagry_api_ws_lagging_clients',
    help: 'Live-feed clients skipped at the last flush because their socket is over the high-water mark',
    registers: [registry],
    collect() {
      this.set(hub.stats().laggingClients)
    },
  })
  new Gauge({
    name: 'oxagry_api_ws_max_buffered_bytes',
    help: "The largest backlog of bytes queued on one live-feed client's socket",
    registers: [registry],
    collect() {
      this.set(hub.stats().maxBufferedBytes)
    },
  })

  await app.register(machinesPlugin, {
    prefix: '/api/v1',
    machines: options.machines,
    history: options.history,
    geofences: options.geofences,
  })
  await app.register(healthPlugin, {
    readiness: options.readiness ?? { notReady: async () => undefined },
    registry,
    exposeMetrics: security.exposeMetrics,
  })
  await app.register(async (scope) => {
    scope.get('/ws/machines', { websocket: true, schema: { hide: true } }, (socket) => hub.attach(socket))
  })
  await app.register(mapPlugin, { map })
  app.addHook('onClose', async () => hub.close())
  return { app, hub }
}
