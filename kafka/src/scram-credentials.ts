// AlterUserScramCredentials (API key 51), version 0, the request KRaft clusters create SCRAM users with
// (KIP-554); kafkajs does not speak it. Flexible versions: request header v2, response header v1.
//
//   AlterUserScramCredentials Request (Version: 0) => [deletions] [upsertions] TAG_BUFFER
//     deletions => name mechanism TAG_BUFFER               name COMPACT_STRING, mechanism INT8
//     upsertions => name mechanism iterations salt salted_password TAG_BUFFER
//                                                          iterations INT32, salt/salted_password COMPACT_BYTES
//   AlterUserScramCredentials Response (Version: 0) => throttle_time_ms [results] TAG_BUFFER
//     results => user error_code error_message TAG_BUFFER  error_code INT16, error_message COMPACT_NULLABLE_STRING
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { securityError } from './auth-errors.ts'
import type { KafkaConnection } from './connection.ts'
import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'
import type { ScramMechanism } from './security-admin.ts'

const API_KEY = 51
const MECHANISM_TYPE: Record<ScramMechanism, number> = { 'scram-sha-256': 1, 'scram-sha-512': 2 }
const DIGEST: Record<ScramMechanism, { name: string; bytes: number }> = {
  'scram-sha-256': { name: 'sha256', bytes: 32 },
  'scram-sha-512': { name: 'sha512', bytes: 64 },
}
/** Kafka's minimum for both mechanisms (ScramMechanism.minIterations). */
export const SCRAM_ITERATIONS = 4096

export type ScramChange =
  | {
      readonly kind: 'upsert'
      readonly user: string
      readonly password: string
      readonly mechanism: ScramMechanism
    }
  | { readonly kind: 'delete'; readonly user: string; readonly mechanism: ScramMechanism }

function uvarint(n: number): Buffer {
  const bytes: number[] = []
  let v = n
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  bytes.push(v)
  return Buffer.from(bytes)
}
const int8 = (n: number): Buffer => Buffer.from([n])
const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const compactBytes = (b: Buffer): Buffer => Buffer.concat([uvarint(b.length + 1), b])
const compactString = (s: string): Buffer => compactBytes(Buffer.from(s, 'utf8'))
const NO_TAGS = uvarint(0)

/** SCRAM's SaltedPassword, Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(
  password: string,
  salt: Buffer,
  iterations: number,
  mechanism: ScramMechanism,
): Buffer {
  const { name, bytes } = DIGEST[mechanism]
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, bytes, name)
}

/** The request, framed (size first), for these changes. */
export function encodeRequest(
  correlationId: number,
  clientId: string,
  changes: readonly ScramChange[],
  salt: () => Buffer = () => randomBytes(32),
): Buffer {
  const deletions = changes.filter((c) => c.kind === 'delete')
  const upsertions = changes.filter((c) => c.kind === 'upsert')
  const client = Buffer.from(clientId, 'utf8')
  const parts = [
    int16(API_KEY),
    int16(0),
    int32(correlationId),
    int16(client.length),
    client,
    NO_TAGS,
    uvarint(deletions.length + 1),
    ...deletions.flatMap((d) => [compactString(d.user), int8(MECHANISM_TYPE[d.mechanism]), NO_TAGS]),
    uvarint(upsertions.length + 1),
    ...upsertions.flatMap((u) => {
      const s = salt()
      return [
        compactString(u.user),
        int8(MECHANISM_TYPE[u.mechanism]),
        int32(SCRAM_ITERATIONS),
        compactBytes(s),
        compactBytes(saltedPassword(u.password, s, SCRAM_ITERATIONS, u.mechanism)),
        NO_TAGS,
      ]
    }),
    NO_TAGS,
  ]
  const body = Buffer.concat(parts)
  return Buffer.concat([int32(body.length), body])
}

class Reader {
  offset = 0
  constructor(private readonly buffer: Buffer) {}
  int16(): number {
    const v = this.buffer.readInt16BE(this.offset)
    this.offset += 2
    return v
  }
  int32(): number {
    const v = this.buffer.readInt32BE(this.offset)
    this.offset += 4
    return v
  }
  uvarint(): number {
    let result = 0
    for (let shift = 0; ; shift += 7) {
      const byte = this.buffer.readUInt8(this.offset++)
      result |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result >>> 0
    }
  }
  compactString(): string | null {
    const length = this.uvarint() - 1
    if (length < 0) return null
    const s = this.buffer.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return s
  }
  skipTags(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint()
      this.offset += this.uvarint()
    }
  }
}

export interface ScramResult {
  readonly user: string
  readonly errorCode: number
  readonly errorMessage: string | null
}

/** The response's results, from the frame without its size. */
export function decodeResponse(frame: Buffer): { correlationId: number; results: ScramResult[] } {
  const r = new Reader(frame)
  const correlationId = r.int32()
  r.skipTags()
  r.int32() // throttle_time_ms
  const results: ScramResult[] = []
  for (let n = r.uvarint() - 1; n > 0; n--) {
    const user = r.compactString() ?? ''
    const errorCode = r.int16()
    const errorMessage = r.compactString()
    r.skipTags()
    results.push({ user, errorCode, errorMessage })
  }
  return { correlationId, results }
}

function openSocket(connection: KafkaConnection): Socket {
  const [host = '', port = ''] = (connection.brokers[0] ?? '').split(':')
  if (connection.tls === undefined) return connectTcp({ host, port: Number(port) })
  return connectTls({
    host,
    port: Number(port),
    servername: host,
    ...(connection.tls.ca === undefined ? {} : { ca: connection.tls.ca }),
  })
}

/** One request and its response over a connection of its own. */
function exchange(connection: KafkaConnection, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = openSocket(connection)
    let received = Buffer.alloc(0)
    const fail = (error: Error): void => {
      socket.destroy()
      reject(error)
    }
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)))
    socket.once('error', fail)
    socket.once(connection.tls === undefined ? 'connect' : 'secureConnect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end()
        resolve(received.subarray(4, 4 + received.readInt32BE(0)))
      }
    })
  })
}

/**
 * Creates, replaces or deletes SCRAM credentials on the cluster (any broker forwards the request to the
 * controller). Needs a listener without SASL (the request is sent as the first of its connection).
 */
export async function alterScramCredentials(
  connection: KafkaConnection,
  changes: readonly ScramChange[],
  { clientId = 'oxagry-security-admin', timeoutMs = 15_000 }: { clientId?: string; timeoutMs?: number } = {},
): Promise<void> {
  const what = `altering the SCRAM credentials of ${changes.map((c) => c.user).join(', ')}`
  if (connection.sasl !== undefined)
    throw new KafkaError(
      KAFKA_ERROR_CODES.USAGE,
      `${what}: SCRAM users are made on a listener without SASL (the local stack's plain listener)`,
    )
  let frame: Buffer
  try {
    frame = await exchange(connection, encodeRequest(1, clientId, changes), timeoutMs)
  } catch (error) {
    throw new KafkaError(KAFKA_ERROR_CODES.BROKER, `${what}: ${(error as Error).message}`, {
      cause: error,
      retriable: true,
    })
  }
  const { results } = decodeResponse(frame)
  for (const result of results.filter((x) => x.errorCode !== 0)) {
    const failure = new Error(`${result.errorMessage ?? 'error'} (code ${result.errorCode})`)
    throw (
      securityError(what, failure, { code: result.errorCode }) ??
      new KafkaError(KAFKA_ERROR_CODES.BROKER, `${what}: ${result.user}: ${failure.message}`, {
        cause: failure,
      })
    )
  }
}
