import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { HOST, PORTS, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { STACK_ERROR_CODES, StackError } from '../errors.ts'
import { run } from '../process.ts'

export const POSTGRES_USER = 'oxagry'
export const POSTGRES_DATABASE = 'oxagry'

/** The newest PostgreSQL server installed from Debian's packages. */
function binDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const [newest] = versions
  if (newest === undefined) {
    throw new StackError(
      STACK_ERROR_CODES.MISSING_TOOL,
      'postgres',
      `no server under ${root}; apt-get install postgresql`,
    )
  }
  return join(root, newest, 'bin')
}

/** PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user. */
function asServerUser(command: string, args: readonly string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command, args: [...args] }
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', command, ...args],
  }
}

/**
 * PostgreSQL from Debian's packages, as a cluster of its own under the state dir on 127.0.0.1 only
 * (no Unix socket), so it never touches a system cluster.
 */
export class PostgresService extends DaemonService {
  readonly name = 'postgres'
  readonly host = HOST
  readonly port = PORTS.postgres
  // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to hang up.
  override readonly stopSignal = 'SIGINT'

  async install(): Promise<void> {
    binDir()
  }

  protected async prepare(_paths: StackPaths, dir: string): Promise<Launch> {
    const bin = binDir()
    const data = join(dir, 'data')
    if (process.getuid?.() === 0) run(this.name, 'chown', ['-R', 'postgres:postgres', dir])
    if (!existsSync(join(data, 'PG_VERSION'))) {
      const initdb = asServerUser(join(bin, 'initdb'), [
        '-D',
        data,
        '-U',
        POSTGRES_USER,
        '--auth=trust',
        '--encoding=UTF8',
        '--no-locale',
      ])
      run(this.name, initdb.command, initdb.args)
    }
    return asServerUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(PORTS.postgres),
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=on',
      '-c',
      'max_connections=200',
    ])
  }

  protected override address(): string {
    return `postgres://${POSTGRES_USER}@${HOST}:${PORTS.postgres}/${POSTGRES_DATABASE}`
  }

  /** Healthy once it accepts queries and the project's database exists (created on first start). */
  protected async healthy(): Promise<boolean> {
    const client = new pg.Client({
      host: HOST,
      port: PORTS.postgres,
      user: POSTGRES_USER,
      database: 'postgres',
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [POSTGRES_DATABASE])
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${POSTGRES_DATABASE}`)
      return true
    } finally {
      await client.end().catch(() => {})
    }
  }
}
