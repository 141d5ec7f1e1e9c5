/**
 * Mints a development token with the local signing key:
 *   npm run -w @oxagry/api-auth token -- --scope fleet:read [--scope ops] [--sub alice] [--customer C-1] [--ttl 3600]
 * The key is `$AUTH_LOCAL_KEY_FILE`, else `$STATE_DIR/auth/local-signing-key.json`, else
 * `.oxagry/auth/local-signing-key.json` under the repository root: the one `npm start` verifies with.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadOrCreateLocalKey, mintToken } from './local-key.ts'
import { localKeyFile } from './paths.ts'

const { values } = parseArgs({
  options: {
    scope: { type: 'string', multiple: true, default: [] },
    sub: { type: 'string', default: 'developer' },
    customer: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
})
const file = localKeyFile(process.env, join(import.meta.dirname, '..', '..', '..'))
const key = await loadOrCreateLocalKey(file)
const token = await mintToken(key, {
  subject: values.sub,
  scopes: values.scope,
  ttlSec: Number(values.ttl),
  ...(values.customer === undefined ? {} : { customerId: values.customer }),
})
console.log(token)
