import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import test from 'ava'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateLocalKey } from './local-key.ts'

test('the local key is made once, kept for its owner only, and the token command signs with it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-auth-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'auth', 'local-signing-key.json')
  const made = await loadOrCreateLocalKey(file)
  t.is(statSync(file).mode & 0o777, 0o600)
  const again = await loadOrCreateLocalKey(file)
  t.deepEqual(again.jwks, made.jwks)
  t.false(JSON.stringify(again.jwks).includes('"d"'), 'the JWKS holds the public half only')
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'mint-cli.ts'),
      '--scope',
      'fleet:read',
      '--scope',
      'ops',
      '--customer',
      'C-9',
    ],
    { env: { ...process.env, AUTH_LOCAL_KEY_FILE: file } },
  )
  const { payload } = await jwtVerify(stdout.trim(), createLocalJWKSet(made.jwks), {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
  })
  t.is(payload.scope, 'fleet:read ops')
  t.is(payload['oxagry:customer'], 'C-9')
  t.is(payload.sub, 'developer')
})
