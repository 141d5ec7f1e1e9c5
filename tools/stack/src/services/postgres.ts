import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
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

/** Where clusters live whose state directory the `postgres` user cannot reach. */
export const OUTSIDE_DATA_ROOT = '/var/lib/oxagry-stack'

/** Whether the `postgres` user can enter `dir`, which needs search permission on every directory above it. */
function serverUserCanEnter(dir: string): boolean {
  const probe = asServerUser('test', ['-x', dir])
  return spawnSync(probe.command, probe.args, { stdio: 'ignore' }).status === 0
}

/**
 * The cluster's data directory. As root the server runs as `postgres`, which cannot enter a state
 * directory under a folder closed to other users (a checkout under /root, or inside `mktemp -d`); there
 * the cluster lives in a directory of its own under {@link OUTSIDE_DATA_ROOT}, named by the state
 * directory's path, and `data-location` in the state directory says where. A state directory without
 * that file is new, so a cluster found there belonged to an earlier one at the same path and is removed:
 * the cluster lives and dies with its state directory, as it does inside it.
 */
export function dataDir(
  dir: string,
  {
    root = OUTSIDE_DATA_ROOT,
    canEnter = serverUserCanEnter,
  }: { root?: string; canEnter?: (dir: string) => boolean } = {},
): string {
  if (process.getuid?.() !== 0 || canEnter(dir)) return join(dir, 'data')
  const home = join(root, createHash('sha256').update(dir).digest('hex').slice(0, 16))
  const location = join(dir, 'data-location')
  if (!existsSync(location)) {
    rmSync(home, { recursive: true, force: true })
    writeFileSync(location, `${join(home, 'data')}\n`)
  }
  mkdirSync(root, { recursive: true, mode: 0o755 })
  mkdirSync(home, { recursive: true, mode: 0o700 })
  chmodSync(root, 0o755)
  run('postgres', 'chown', ['-R', 'postgres:postgres', home])
  return join(home, 'data')
}

/**
 * PostgreSQL from Debian's packages, as a cluster of its own under the state dir on 127.0.0.1 only
 * (no Unix socket), so it never touches a system cluster.
 */
export class PostgresService extends DaemonService {
  readonly name = 'postgres'
  readonly host = HOST
  constructor(readonly port: number = PORTS.postgres) {
    super()
  }
  // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to hang up.
  override readonly stopSignal = 'SIGINT'

  async install(): Promise<void> {
    binDir()
  }

  protected async prepare(_paths: StackPaths, dir: string): Promise<Launch> {
    const bin = binDir()
    if (process.getuid?.() === 0) run(this.name, 'chown', ['-R', 'postgres:postgres', dir])
    const data = dataDir(dir)
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
      String(this.port),
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
    return `postgres://${POSTGRES_USER}@${HOST}:${this.port}/${POSTGRES_DATABASE}`
  }

  /** Healthy once it accepts queries and the project's database exists (created on first start). */
  protected async healthy(): Promise<boolean> {
    const client = new pg.Client({
      host: HOST,
      port: this.port,
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
