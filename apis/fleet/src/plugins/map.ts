import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import type { MapOptions } from '../map/options.ts'

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public')
/** Leaflet's own built files, served from the installed package: the page loads nothing from a CDN. */
const LEAFLET_DIR = dirname(createRequire(import.meta.url).resolve('leaflet/dist/leaflet.js'))

export interface MapPluginOptions {
  readonly map: MapOptions
}

/**
 * The live map: the page and its scripts (`public/`), Leaflet, and `/map/config.json`, what the page
 * needs to know of this server's options (the tile source). All public: the data the page loads needs
 * a token.
 */
export async function mapPlugin(app: FastifyInstance, options: MapPluginOptions): Promise<void> {
  const config = JSON.stringify({ tiles: options.map.tiles })
  app.get('/map/config.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/json').header('cache-control', 'no-cache').send(config),
  )
  await app.register(fastifyStatic, {
    root: LEAFLET_DIR,
    prefix: '/map/vendor/leaflet/',
    decorateReply: false,
    // Only the built script, its stylesheet and images; not the sources or source maps.
    allowedPath: (path) => /^\/(leaflet\.(js|css)|images\/[a-z-]+\.png)$/.test(path),
  })
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/map/', decorateReply: false })
  app.get('/map', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/map/'))
}
