import { Ajv } from 'ajv'
import type { BoundingBox, MachinePosition } from '../ports.ts'

/** What a WebSocket client may send. */
export type ClientMessage =
  | { readonly type: 'subscribe'; readonly machineIds?: readonly string[]; readonly bbox?: BoundingBox }
  | { readonly type: 'unsubscribe' }
  | { readonly type: 'ping' }

/** What the server sends. `update` carries the latest position of each machine that moved since the last one. */
export type ServerMessage =
  | {
      readonly type: 'subscribed'
      readonly machineIds: readonly string[] | null
      readonly bbox: BoundingBox | null
    }
  | { readonly type: 'snapshot'; readonly machines: readonly MachinePosition[] }
  | { readonly type: 'update'; readonly machines: readonly MachinePosition[] }
  | { readonly type: 'heartbeat'; readonly at: number }
  | { readonly type: 'pong' }
  | {
      readonly type: 'error'
      readonly code: 'BAD_JSON' | 'BAD_MESSAGE' | 'TOO_LARGE'
      readonly message: string
    }

export const MAX_SUBSCRIBED_IDS = 10_000
/** Machine ids are ASCII (as the REST API's), so each takes at most this many bytes in a message. */
export const MAX_ID_LENGTH = 128
/**
 * The largest client message: a subscribe with MAX_SUBSCRIBED_IDS ids of MAX_ID_LENGTH characters
 * (quotes and comma: 3 bytes more each) plus a box and room for whitespace; 1,572,864 bytes.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 1536 * 1024
/**
 * The WebSocket frame limit: twice the message limit, so a message over the limit but under this gets
 * an error frame saying so before the close; ws closes anything larger with 1009 on its own.
 */
export const MAX_FRAME_BYTES = 2 * MAX_CLIENT_MESSAGE_BYTES

const bbox = {
  type: 'object',
  required: ['minLat', 'minLon', 'maxLat', 'maxLon'],
  additionalProperties: false,
  properties: {
    minLat: { type: 'number', minimum: -90, maximum: 90 },
    maxLat: { type: 'number', minimum: -90, maximum: 90 },
    minLon: { type: 'number', minimum: -180, maximum: 180 },
    maxLon: { type: 'number', minimum: -180, maximum: 180 },
  },
}

const schema = {
  oneOf: [
    {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { const: 'subscribe' },
        machineIds: {
          type: 'array',
          maxItems: MAX_SUBSCRIBED_IDS,
          items: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, pattern: '^[A-Za-z0-9._:-]+$' },
        },
        bbox,
      },
    },
    {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { const: 'unsubscribe' } },
    },
    {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { const: 'ping' } },
    },
  ],
}

const validate = new Ajv({ allErrors: true, strict: false, discriminator: false }).compile<ClientMessage>(
  schema,
)

/** Parses a client frame, or says exactly what is wrong with it. */
export function parseClientMessage(
  raw: string,
): { ok: true; message: ClientMessage } | { ok: false; error: ServerMessage } {
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    return { ok: false, error: { type: 'error', code: 'BAD_JSON', message: 'the message is not JSON' } }
  }
  const type = (data as { type?: unknown } | null)?.type
  if (type !== 'subscribe' && type !== 'unsubscribe' && type !== 'ping') {
    return {
      ok: false,
      error: {
        type: 'error',
        code: 'BAD_MESSAGE',
        message: `/type must be one of subscribe, unsubscribe, ping`,
      },
    }
  }
  if (!validate(data)) {
    // Only the branch of the message's own type explains anything; the others just say "wrong type".
    const detail = (validate.errors ?? [])
      .filter(
        (e) =>
          e.keyword !== 'oneOf' &&
          e.keyword !== 'const' &&
          !(e.instancePath === '' && e.keyword === 'additionalProperties' && type !== 'subscribe'),
      )
      .map(
        (e) =>
          `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
      )
    return {
      ok: false,
      error: {
        type: 'error',
        code: 'BAD_MESSAGE',
        message: [...new Set(detail)].join('; ') || 'invalid message',
      },
    }
  }
  return { ok: true, message: data }
}
