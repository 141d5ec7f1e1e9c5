import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { apiAuthSettings, authBanner } from './api-auth.ts'
import { readConfig } from './config.ts'

test('the local key is made on first use and verifies; the banner says whether and why auth is on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-main-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = readConfig({ HOST: '0.0.0.0', STATE_DIR: dir })
  const settings = await apiAuthSettings(config)
  t.is(settings.mode, 'jwt')
  t.true(existsSync(join(dir, 'auth', 'local-signing-key.json')))
  t.regex(
    authBanner(config),
    /^on \(HOST=0\.0\.0\.0 is beyond loopback\): local signing key .*; a token: npm run/,
  )
  t.deepEqual(await apiAuthSettings(readConfig({})), { mode: 'off' })
  t.regex(authBanner(readConfig({})), /^off: embedded defaults on loopback/)
})
