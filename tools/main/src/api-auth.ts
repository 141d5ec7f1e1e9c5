import { loadOrCreateLocalKey, localAuthSettings, type AuthSettings } from '@oxagry/api-auth'
import type { MainConfig } from './config.ts'

/** The APIs' authentication settings from the configuration (the local key is made on first use). */
export async function apiAuthSettings(config: Pick<MainConfig, 'api'>): Promise<AuthSettings> {
  const auth = config.api.auth
  switch (auth.mode) {
    case 'off':
      return { mode: 'off' }
    case 'jwks':
      return { mode: 'jwt', issuer: auth.issuer, audience: auth.audience, jwks: { url: auth.jwksUrl } }
    case 'local':
      return localAuthSettings(await loadOrCreateLocalKey(auth.keyFile))
  }
}

/** One banner line: whether the APIs authenticate, and how. */
export function authBanner(config: Pick<MainConfig, 'api'>): string {
  const { auth, authRequiredBy } = config.api
  switch (auth.mode) {
    case 'off':
      return 'off: embedded defaults on loopback, so only this machine is served (AUTH=on to require tokens)'
    case 'jwks':
      return `on: tokens of ${auth.issuer} (JWKS ${auth.jwksUrl}), audience ${auth.audience}`
    case 'local':
      return (
        `on${authRequiredBy === undefined ? '' : ` (${authRequiredBy})`}: local signing key ${auth.keyFile}; ` +
        'a token: npm run -s -w @oxagry/api-auth token -- --scope fleet:read'
      )
  }
}
