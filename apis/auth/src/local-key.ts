import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose'
import { AuthOptionsError } from './errors.ts'
import { DEFAULT_CUSTOMER_CLAIM, type AuthSettings } from './options.ts'

/** The issuer and audience of locally signed tokens. */
export const LOCAL_ISSUER = 'oxagry-local'
export const LOCAL_AUDIENCE = 'oxagry-api'
const ALGORITHM = 'ES256'

/** A local signing key: its private JWK and the JWKS of its public half. */
export interface LocalKey {
  readonly privateJwk: JWK
  readonly jwks: JSONWebKeySet
}

/** A new ES256 key, with a kid so a JWKS can hold it beside others. */
export async function createLocalKey(): Promise<LocalKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true })
  const kid = `local-${Date.now().toString(36)}`
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM, use: 'sig' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }
  return { privateJwk, jwks: { keys: [publicJwk] } }
}

/**
 * The development signing key kept in `file` (created on first use, readable by its owner only), so the
 * API and the token command agree without a provider. Never for production: use an OIDC provider's JWKS.
 */
export async function loadOrCreateLocalKey(file: string): Promise<LocalKey> {
  if (existsSync(file)) {
    const privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK
    const { d: _d, ...publicJwk } = privateJwk
    return { privateJwk, jwks: { keys: [publicJwk] } }
  }
  const key = await createLocalKey()
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(key.privateJwk)}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return key
}

/** Auth settings that verify tokens of a local key. */
export function localAuthSettings(key: LocalKey): AuthSettings {
  return { mode: 'jwt', issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, jwks: { keys: key.jwks } }
}

export interface TokenClaims {
  readonly subject: string
  readonly scopes: readonly string[]
  /** Limits the token to one customer's data. */
  readonly customerId?: string
  /** Lifetime in seconds; 1 hour by default. */
  readonly ttlSec?: number
}

/** Mints a token signed with a local key, as an OIDC provider would issue it. */
export async function mintToken(key: LocalKey, claims: TokenClaims): Promise<string> {
  const ttl = claims.ttlSec ?? 3600
  if (!Number.isSafeInteger(ttl) || ttl < 1)
    throw new AuthOptionsError([`ttlSec must be a positive integer, got ${ttl}`])
  if (claims.subject === '') throw new AuthOptionsError(['subject is required'])
  const signingKey = await importJWK(key.privateJwk, ALGORITHM)
  return new SignJWT({
    scope: claims.scopes.join(' '),
    ...(claims.customerId === undefined ? {} : { [DEFAULT_CUSTOMER_CLAIM]: claims.customerId }),
  })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.privateJwk.kid ?? 'local', typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .sign(signingKey)
}
