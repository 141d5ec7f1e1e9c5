import { join } from 'node:path'

/** Where the local signing key lives: AUTH_LOCAL_KEY_FILE, else under STATE_DIR, else under `cwd`/.oxagry. */
export function localKeyFile(env: NodeJS.ProcessEnv, cwd: string): string {
  return (
    env.AUTH_LOCAL_KEY_FILE ?? join(env.STATE_DIR ?? join(cwd, '.oxagry'), 'auth', 'local-signing-key.json')
  )
}
