import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HOST, PORTS, REPO_DIR, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { STACK_ERROR_CODES, StackError } from '../errors.ts'
import { run } from '../process.ts'
import { prometheusConfig } from '../prometheus/config.ts'

/** What the stack's Prometheus scrapes besides the folders processes register themselves in. */
export interface PrometheusScrapes {
  /** The broker's JMX exporter (`KafkaService.metricsUrl()`). */
  readonly brokerMetricsUrl: string
}

/**
 * Prometheus from Debian's package (`tools/stack/install-system.sh`), scraping the broker's JMX exporter
 * and evaluating the alert rules of `deploy/alerts`. A process of the platform is scraped when a file
 * in `.stack/prometheus/targets/` names it (Prometheus' file discovery, as
 * `[{"targets":["127.0.0.1:8080"],"labels":{"pod":"platform"}}]`), with the `ops` bearer token in
 * `.stack/prometheus/ops.token` when its `/metrics` asks for one.
 */
export class PrometheusService extends DaemonService {
  readonly name = 'prometheus'
  readonly host = HOST

  constructor(
    private readonly scrapes: PrometheusScrapes,
    readonly port: number = PORTS.prometheus,
  ) {
    super()
  }

  async install(): Promise<void> {
    try {
      run(this.name, 'prometheus', ['--version'])
    } catch {
      throw new StackError(
        STACK_ERROR_CODES.MISSING_TOOL,
        this.name,
        'no prometheus on the PATH; run tools/stack/install-system.sh (Debian: apt-get install prometheus)',
      )
    }
  }

  /** The folder whose `*.json` files name the targets Prometheus scrapes with the `ops` token. */
  targetsDir(paths: StackPaths): string {
    return join(this.dir(paths), 'targets')
  }

  tokenFile(paths: StackPaths): string {
    return join(this.dir(paths), 'ops.token')
  }

  protected async prepare(paths: StackPaths, dir: string): Promise<Launch> {
    const config = join(dir, 'prometheus.yml')
    mkdirSync(this.targetsDir(paths), { recursive: true })
    writeFileSync(
      config,
      prometheusConfig({
        scrapeIntervalS: 5,
        targets: [{ job: 'kafka', url: this.scrapes.brokerMetricsUrl, labels: { pod: 'kafka-0' } }],
        folders: [{ job: 'platform', dir: this.targetsDir(paths), bearerTokenFile: this.tokenFile(paths) }],
        ruleFiles: [join(REPO_DIR, 'deploy', 'alerts', 'rules.yaml')],
      }),
    )
    return {
      command: 'prometheus',
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=${this.host}:${this.port}`,
      ],
    }
  }

  protected override address(): string {
    return `http://${this.host}:${this.port}`
  }

  protected async healthy(): Promise<boolean> {
    const response = await fetch(`${this.address()}/-/ready`, { signal: AbortSignal.timeout(1000) })
    return response.ok
  }
}
