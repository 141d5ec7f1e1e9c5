import type { JSONWebKeySet } from 'jose'
import { AuthOptionsError } from './errors.ts'

/** Where the verification keys come from: an OIDC provider's `jwks_uri`, or a key set in hand. */
export type JwksSource = { readonly url: string } | { readonly keys: JSONWebKeySet }

/**
 * How an API authenticates. `jwt`: bearer tokens verified against a JWKS, as an OIDC provider issues
 * them. `off`: no tokens, and then only loopback clients are served (a development API on 127.0.0.1).
 */
export type AuthSettings =
  | {
      readonly mode: 'jwt'
      readonly issuer: string
      readonly audience: string
      readonly jwks: JwksSource
      /** The claim naming the customer a token is limited to; absent on staff and service tokens. */
      readonly customerClaim?: string
      readonly algorithms?: readonly string[]
      readonly clockToleranceSec?: number
    }
  | { readonly mode: 'off' }

export type ResolvedAuthSettings =
  (Required<Extract<AuthSettings, { mode: 'jwt' }>> & { readonly mode: 'jwt' }) | { readonly mode: 'off' }

export const DEFAULT_CUSTOMER_CLAIM = 'oxagry:customer'
/** Asymmetric algorithms only: a shared secret would let every API mint tokens. */
export const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const

/** Checks the settings once, at the boundary, and fills in the defaults. */
export function resolveAuthSettings(settings: AuthSettings): ResolvedAuthSettings {
  if (settings.mode === 'off') return settings
  const problems: string[] = []
  // Settings may come from untyped configuration: the mode is checked, not trusted.
  const mode: unknown = settings.mode
  if (mode !== 'jwt') problems.push(`auth.mode must be jwt or off, got ${String(mode)}`)
  if (typeof settings.issuer !== 'string' || settings.issuer === '') problems.push('auth.issuer is required')
  if (typeof settings.audience !== 'string' || settings.audience === '')
    problems.push('auth.audience is required')
  const jwks = settings.jwks as Partial<{ url: unknown; keys: unknown }> | undefined
  if (jwks === undefined || (jwks.url === undefined && jwks.keys === undefined)) {
    problems.push('auth.jwks needs url (a JWKS endpoint) or keys (a JWKS)')
  } else if (jwks.url !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(String(jwks.url))
    } catch {
      problems.push(`auth.jwks.url is not a URL: ${String(jwks.url)}`)
    }
    if (
      url !== undefined &&
      url.protocol !== 'https:' &&
      !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
    )
      problems.push(`auth.jwks.url must be https (or on loopback), got ${url.href}`)
  } else if (!Array.isArray((jwks.keys as { keys?: unknown } | undefined)?.keys)) {
    problems.push('auth.jwks.keys must be a JWKS ({ keys: [...] })')
  }
  const algorithms = settings.algorithms ?? DEFAULT_ALGORITHMS
  if (algorithms.length === 0 || algorithms.some((a) => a === 'none' || a.startsWith('HS')))
    problems.push('auth.algorithms must be asymmetric (no none, no HS*)')
  const clockToleranceSec = settings.clockToleranceSec ?? 30
  if (!Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > 300)
    problems.push('auth.clockToleranceSec must be from 0 to 300')
  if (problems.length > 0) throw new AuthOptionsError(problems)
  return {
    mode: 'jwt',
    issuer: settings.issuer,
    audience: settings.audience,
    jwks: settings.jwks,
    customerClaim: settings.customerClaim ?? DEFAULT_CUSTOMER_CLAIM,
    algorithms: [...algorithms],
    clockToleranceSec,
  }
}
