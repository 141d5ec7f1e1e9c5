import Fastify, { type FastifyInstance } from 'fastify'
import { RegistryError, SchemaRegistryStore } from './registry.ts'

const CONTENT_TYPES = ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json']

interface SchemaBody {
  schema: string
  schemaType?: string
}

const schemaBody = {
  type: 'object',
  required: ['schema'],
  properties: { schema: { type: 'string', minLength: 1 }, schemaType: { enum: ['AVRO'] } },
} as const

/**
 * The Confluent Schema Registry REST API over a `SchemaRegistryStore`: the routes that
 * `@kafkajs/confluent-schema-registry` and our tools use (register, look up, by id, versions,
 * compatibility check, config). Mounted under `prefix` (e.g. `/apis/ccompat/v7`, as Apicurio).
 */
export function registryRoutes(app: FastifyInstance, store: SchemaRegistryStore): void {
  app.addContentTypeParser(CONTENT_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof RegistryError) {
      return reply.status(error.status).send({ error_code: error.errorCode, message: error.message })
    }
    const { statusCode, message } = error as { statusCode?: number; message: string }
    const status = statusCode ?? 500
    return reply.status(status).send({ error_code: status === 400 ? 42201 : status * 100, message })
  })
  const version = (v: string): number | 'latest' => (v === 'latest' ? 'latest' : Number(v))

  app.get('/subjects', async () => store.subjectNames())
  app.get<{ Params: { subject: string } }>('/subjects/:subject/versions', async (req) =>
    store.versions(req.params.subject),
  )
  app.post<{ Params: { subject: string }; Body: SchemaBody }>(
    '/subjects/:subject/versions',
    { schema: { body: schemaBody } },
    async (req) => ({ id: store.register(req.params.subject, req.body.schema).id }),
  )
  app.post<{ Params: { subject: string }; Body: SchemaBody }>(
    '/subjects/:subject',
    { schema: { body: schemaBody } },
    async (req) => store.lookup(req.params.subject, req.body.schema),
  )
  app.get<{ Params: { subject: string; version: string } }>(
    '/subjects/:subject/versions/:version',
    async (req) => store.version(req.params.subject, version(req.params.version)),
  )
  app.get<{ Params: { subject: string; version: string } }>(
    '/subjects/:subject/versions/:version/schema',
    async (req) => JSON.parse(store.version(req.params.subject, version(req.params.version)).schema),
  )
  app.get<{ Params: { id: string } }>('/schemas/ids/:id', async (req) => ({
    schema: store.byId(Number(req.params.id)),
  }))
  app.post<{ Params: { subject: string; version: string }; Body: SchemaBody }>(
    '/compatibility/subjects/:subject/versions/:version',
    { schema: { body: schemaBody } },
    async (req) => {
      const subject = req.params.subject
      const hasVersions = store.subjectNames().includes(subject)
      return { is_compatible: !hasVersions || store.check(subject, req.body.schema) === undefined }
    },
  )
  app.get('/config', async () => ({ compatibilityLevel: store.compatibility() }))
  app.put<{ Body: { compatibility: string } }>('/config', async (req) => ({
    compatibility: store.setCompatibility(req.body.compatibility),
  }))
  app.get<{ Params: { subject: string } }>('/config/:subject', async (req) => ({
    compatibilityLevel: store.compatibility(req.params.subject),
  }))
  app.put<{ Params: { subject: string }; Body: { compatibility: string } }>(
    '/config/:subject',
    async (req) => ({
      compatibility: store.setCompatibility(req.body.compatibility, req.params.subject),
    }),
  )
}

export interface EmbeddedRegistry {
  readonly url: string
  readonly store: SchemaRegistryStore
  close(): Promise<void>
}

/** Starts the registry on loopback (port 0 picks a free one); `url` is what clients are given. */
export async function startEmbeddedRegistry(
  options: { port?: number; host?: string; prefix?: string } = {},
): Promise<EmbeddedRegistry> {
  const store = new SchemaRegistryStore()
  const app = Fastify({ logger: false })
  const prefix = options.prefix ?? '/apis/ccompat/v7'
  await app.register(
    async (scope) => {
      registryRoutes(scope, store)
    },
    { prefix },
  )
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  return { url: `http://${host}:${port}${prefix}`, store, close: () => app.close() }
}
