import type { Serializer } from '@oxagry/kafka'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { STREAMS_ERROR_CODES, StreamsError, type StreamsErrorCode } from '../errors.ts'
import type { KafkaStreams } from '../runtime/kafka-streams.ts'
import { hostKey, sameHost } from '../runtime/streams-metadata.ts'

/** Marks a lookup one instance passed to another: the receiver answers it or refuses, never passes it on. */
export const FORWARDED_HEADER = 'x-oxagry-forwarded-by'

/** How one key-value store is queried over HTTP. */
export interface QueryableStore<K = unknown, V = unknown> {
  /** The serializer of the store's input keys: it places a key on its partition, as the producers did. */
  readonly keySerializer: Serializer<K>
  /** The key from its URL text; throw to refuse it (400). Default: the text itself. */
  parseKey?(text: string): K
  /** The value as JSON. Default: the value itself. */
  toJson?(value: V): unknown
}

export interface InteractiveQueriesOptions {
  readonly streams: Pick<KafkaStreams, 'hostInfo' | 'queryMetadataForKey' | 'asyncStore'>
  /** The stores served, by name; any other is 404. */
  readonly stores: Readonly<Record<string, QueryableStore>>
  /** How long a forwarded lookup may take before it is answered with 503. Default 2000 ms. */
  readonly forwardTimeoutMs?: number
}

/** HTTP status of each error the plugin answers with. */
const STATUS: Partial<Record<StreamsErrorCode, number>> = {
  [STREAMS_ERROR_CODES.UNKNOWN_STORE]: 404,
  [STREAMS_ERROR_CODES.KEY_NOT_FOUND]: 404,
  [STREAMS_ERROR_CODES.INVALID_KEY]: 400,
  [STREAMS_ERROR_CODES.NOT_AVAILABLE]: 503,
  [STREAMS_ERROR_CODES.FORWARD_FAILED]: 503,
}

function refuse(reply: FastifyReply, code: StreamsErrorCode, message: string): FastifyReply {
  const statusCode = STATUS[code] ?? 500
  if (statusCode === 503) void reply.header('retry-after', '1')
  return reply.code(statusCode).send({ statusCode, code, message })
}

/**
 * Key lookups across the instances of a stream application (Kafka Streams' interactive queries with
 * an RPC layer of its own): `GET /stores/:store/keys/:key` is answered from the local store when this
 * instance owns the key's partition, else passed once to the owner's `applicationServer` with
 * `x-oxagry-forwarded-by`; a forwarded lookup is never passed on again. 503 while the owner is not
 * known (a rebalance, an owner gone) or does not answer, 404 for a key with no value.
 */
export async function interactiveQueries(
  app: FastifyInstance,
  options: InteractiveQueriesOptions,
): Promise<void> {
  const { streams, stores } = options
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 2_000
  const self = streams.hostInfo
  if (self === undefined) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      'interactive queries need /config/applicationServer: the address other instances forward lookups to',
    )
  }

  app.get<{ Params: { store: string; key: string } }>(
    '/stores/:store/keys/:key',
    {
      schema: {
        params: {
          type: 'object',
          required: ['store', 'key'],
          properties: { store: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
        },
      },
    },
    async (request, reply) => {
      const { store, key: text } = request.params
      const spec = Object.hasOwn(stores, store) ? stores[store] : undefined
      if (spec === undefined)
        return refuse(reply, STREAMS_ERROR_CODES.UNKNOWN_STORE, `no queryable store ${store}`)
      let key: unknown
      try {
        key = spec.parseKey === undefined ? text : spec.parseKey(text)
      } catch (error) {
        return refuse(reply, STREAMS_ERROR_CODES.INVALID_KEY, `key ${JSON.stringify(text)}: ${String(error)}`)
      }
      let metadata
      try {
        metadata = await streams.queryMetadataForKey(store, key, spec.keySerializer)
      } catch (error) {
        if (error instanceof StreamsError && STATUS[error.code] !== undefined)
          return refuse(reply, error.code, error.message)
        throw error
      }
      const owner = metadata.activeHost
      if (owner === undefined) {
        return refuse(
          reply,
          STREAMS_ERROR_CODES.NOT_AVAILABLE,
          `the owner of partition ${metadata.partition} of store ${store} is not known now (a rebalance, or its instance left); retry`,
        )
      }
      const forwardedBy = request.headers[FORWARDED_HEADER]
      if (sameHost(owner, self)) {
        let value: unknown
        try {
          value = await streams.asyncStore(store, 'keyValue').get(key)
        } catch (error) {
          if (error instanceof StreamsError && STATUS[error.code] !== undefined)
            return refuse(reply, error.code, error.message)
          throw error
        }
        if (value === undefined || value === null)
          return refuse(reply, STREAMS_ERROR_CODES.KEY_NOT_FOUND, `store ${store} holds no value for ${text}`)
        return reply.send({
          store,
          key: text,
          value: spec.toJson === undefined ? value : spec.toJson(value),
          partition: metadata.partition,
          host: hostKey(self),
        })
      }
      if (forwardedBy !== undefined) {
        return refuse(
          reply,
          STREAMS_ERROR_CODES.NOT_AVAILABLE,
          `${String(forwardedBy)} sent this lookup here, but ${hostKey(owner)} owns partition ${metadata.partition} of store ${store} now; not forwarded again, retry`,
        )
      }
      try {
        const answer = await fetch(`http://${hostKey(owner)}${request.url}`, {
          headers: { [FORWARDED_HEADER]: hostKey(self), accept: 'application/json' },
          signal: AbortSignal.timeout(forwardTimeoutMs),
        })
        const body = await answer.text()
        const retryAfter = answer.headers.get('retry-after')
        if (retryAfter !== null) void reply.header('retry-after', retryAfter)
        return reply
          .code(answer.status)
          .header('content-type', answer.headers.get('content-type') ?? 'application/json')
          .send(body)
      } catch (error) {
        return refuse(
          reply,
          STREAMS_ERROR_CODES.FORWARD_FAILED,
          `${hostKey(owner)}, the owner of partition ${metadata.partition} of store ${store}, did not answer: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    },
  )
}
