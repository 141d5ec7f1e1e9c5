import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadOrCreateLocalKey, mintToken } from '@oxagry/api-auth'
import type { KafkaClientName } from '@oxagry/kafka'

export interface RestStack {
  readonly brokers: readonly string[]
  readonly registryUrl: string
  readonly postgresUrl: string
  readonly mongodbUrl: string
}

/** `npm start`'s entry point, beside the package's main module. */
const MAIN = join(dirname(fileURLToPath(import.meta.resolve('@oxagry/main'))), 'main.ts')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * The platform as `npm start` runs it on the stack's services, in a process of its own under a fresh topic
 * prefix: the simulated market only writes its catalogue (checkouts at 0.01/s), the fleet one machine, and
 * the API requires tokens, which the bench signs with the platform's local key.
 */
export class RestPlatform {
  private constructor(
    readonly url: string,
    readonly headers: Readonly<Record<string, string>>,
    private readonly child: ChildProcess,
    /** The run's topic prefix: its topics, groups and MongoDB database all start with it. */
    readonly prefix: string,
  ) {}

  /** The platform's process id, while it runs. */
  get pid(): number | undefined {
    return this.child.pid
  }

  static async start(
    stack: RestStack,
    options: { kafkaClient: KafkaClientName; profileDir?: string },
  ): Promise<RestPlatform> {
    const port = await freePort()
    const stateDir = mkdtempSync(join(tmpdir(), 'bench-commerce-rest-'))
    const keyFile = join(stateDir, 'api-key.json')
    const prefix = `bench-rest-${Date.now().toString(36)}`
    const profile =
      options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]
    // Its output goes to a file: a pipe nobody reads fills, and Node's writes to a full pipe block.
    const log = openSync(join(stateDir, 'platform.log'), 'a')
    process.stderr.write(`  the platform's log: ${join(stateDir, 'platform.log')}\n`)
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', MAIN], {
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        // As `npm start` and the image run it (see the root package.json).
        UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64',
        // As deployed (deploy/, the platform's config map): `npm start` alone runs at-least-once.
        PROCESSING_GUARANTEE: 'exactly_once',
        PORT: String(port),
        HOST: '127.0.0.1',
        STATE_DIR: stateDir,
        TOPIC_PREFIX: prefix,
        KAFKA_BROKERS: stack.brokers.join(','),
        KAFKA_CLIENT: options.kafkaClient,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        POSTGRES_URL: stack.postgresUrl,
        MONGODB_URL: stack.mongodbUrl,
        AUTH_LOCAL_KEY_FILE: keyFile,
        RATE_LIMIT_MAX: String(1_000_000_000),
        SIM_MACHINES: '1',
        SIM_RATE: '0.1',
        SIM_ORDER_RATE: '0.01',
        SIM_BOOKINGS_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
      },
    })
    const url = `http://127.0.0.1:${port}`
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`the platform exited with ${code} before it was ready`))),
    )
    exited.catch(() => {})
    const deadline = Date.now() + 180_000
    for (;;) {
      const ready = await Promise.race([
        fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ),
        exited,
      ])
      if (ready) break
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error('the platform was not ready within 180 s')
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const key = await loadOrCreateLocalKey(keyFile)
    const token = await mintToken(key, {
      subject: 'bench',
      scopes: ['commerce:read', 'commerce:write', 'commerce:operator'],
    })
    return new RestPlatform(url, { authorization: `Bearer ${token}` }, child, prefix)
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...this.headers,
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown }
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGTERM')
    const killed = setTimeout(() => this.child.kill('SIGKILL'), 40_000)
    await exited
    clearTimeout(killed)
  }
}
