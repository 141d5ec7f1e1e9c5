import { createServer } from 'node:net'
import { Serdes } from '@oxagry/kafka'
import Fastify, { type FastifyInstance } from 'fastify'
import type { KafkaStreams } from '../runtime/kafka-streams.ts'
import { interactiveQueries } from './interactive-queries.ts'

/** A port nobody listens on now, for an instance's `applicationServer` before its server exists. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Serves lookups of the `counts` store (string keys, numbers) on the instance's `applicationServer`. */
export async function serveCounts(streams: KafkaStreams): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(interactiveQueries, {
    streams,
    stores: { counts: { keySerializer: Serdes.String() } },
    forwardTimeoutMs: 1_000,
  })
  const host = streams.hostInfo
  if (host === undefined) throw new Error('the instance has no applicationServer')
  await app.listen({ host: host.host, port: host.port })
  return app
}

/** A lookup through an instance's own socket, as a client would make it. */
export async function lookup(
  app: FastifyInstance,
  key: string,
  store = 'counts',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const address = app.server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the server does not listen')
  const answer = await fetch(
    `http://127.0.0.1:${address.port}/stores/${encodeURIComponent(store)}/keys/${encodeURIComponent(key)}`,
  )
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> }
}
