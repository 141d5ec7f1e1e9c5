import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { cached } from '../cache.ts'
import { HOST, PORTS, VERSIONS, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { STACK_ERROR_CODES, StackError } from '../errors.ts'
import { run } from '../process.ts'

/** Path of the Confluent-compatible API on Apicurio Registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7'
const DEFAULT_COMPATIBILITY = 'BACKWARD'

/**
 * Apicurio Registry 3 (Quarkus, Java 17), whose ccompat API speaks the Confluent Schema Registry REST
 * API. Storage is an H2 file under the state dir, so schemas and their ids survive a restart.
 */
export class RegistryService extends DaemonService {
  readonly name = 'registry'
  readonly host = HOST
  constructor(readonly port: number = PORTS.registry) {
    super()
  }

  home(paths: StackPaths): string {
    return join(paths.cache, `apicurio-registry-${VERSIONS.apicurio}`)
  }

  async install(paths: StackPaths): Promise<void> {
    await cached(this.home(paths), (dir) => {
      run(this.name, 'mvn', [
        '-q',
        '-B',
        'dependency:copy',
        `-Dartifact=io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`,
        `-DoutputDirectory=${dir}`,
      ])
      const archive = readdirSync(dir).find((f) => f.endsWith('.tar.gz'))
      if (archive === undefined) {
        throw new StackError(STACK_ERROR_CODES.INSTALL_FAILED, this.name, `no tar.gz was fetched into ${dir}`)
      }
      run(this.name, 'tar', ['xzf', archive, '--no-same-owner'], { cwd: dir })
    })
  }

  protected async prepare(paths: StackPaths, dir: string): Promise<Launch> {
    const home = this.home(paths)
    const jar = readdirSync(home).find((f) => f.endsWith('-runner.jar'))
    if (jar === undefined)
      throw new StackError(STACK_ERROR_CODES.START_FAILED, this.name, `no runner jar in ${home}`)
    return {
      command: 'java',
      args: [
        '-Xms128m',
        '-Xmx512m',
        `-Dquarkus.http.host=${HOST}`,
        `-Dquarkus.http.port=${this.port}`,
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'data', 'registry')}`,
        '-Dquarkus.log.console.json=false',
        '-jar',
        join(home, jar),
      ],
    }
  }

  protected override address(): string {
    return `http://${HOST}:${this.port}${CCOMPAT_PATH}`
  }

  /** Confluent's registry checks BACKWARD compatibility unless told otherwise; Apicurio checks none. */
  protected override async configure(): Promise<void> {
    const url = `http://${HOST}:${this.port}${CCOMPAT_PATH}/config`
    const current = (await (await fetch(url)).json()) as { compatibilityLevel?: string }
    if (current.compatibilityLevel === DEFAULT_COMPATIBILITY) return
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: DEFAULT_COMPATIBILITY }),
    })
    if (!response.ok) {
      throw new StackError(
        STACK_ERROR_CODES.START_FAILED,
        this.name,
        `setting global compatibility: HTTP ${response.status}`,
      )
    }
  }

  protected async healthy(): Promise<boolean> {
    const base = `http://${HOST}:${this.port}`
    const ready = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) })
    if (!ready.ok) return false
    const subjects = await fetch(`${base}${CCOMPAT_PATH}/subjects`, { signal: AbortSignal.timeout(2000) })
    return subjects.ok
  }
}
