import { stringify } from 'yaml'

/** One endpoint Prometheus scrapes. */
export interface ScrapeTarget {
  /** The job label, e.g. `kafka` or `platform`. */
  readonly job: string
  /** `http://host:port/path`. */
  readonly url: string
  /** Labels every sample of the target carries; `pod` is what the dashboards and rules group by. */
  readonly labels?: Readonly<Record<string, string>>
  /** A file holding the bearer token the endpoint asks for (the platform's `/metrics` wants `ops`). */
  readonly bearerTokenFile?: string
  /** Its own scrape interval (and timeout), for an endpoint slower to answer than the global one. */
  readonly intervalS?: number
}

/** A folder of file-based service discovery: whoever writes `<dir>/*.json` there is scraped. */
export interface TargetsFolder {
  readonly job: string
  readonly dir: string
  readonly bearerTokenFile?: string
}

export interface PrometheusConfigOptions {
  readonly scrapeIntervalS: number
  readonly targets: readonly ScrapeTarget[]
  readonly folders?: readonly TargetsFolder[]
  /** Alert rule files to evaluate (deploy/alerts/rules.yaml). */
  readonly ruleFiles?: readonly string[]
}

function authorization(file: string | undefined): Record<string, unknown> {
  return file === undefined ? {} : { authorization: { type: 'Bearer', credentials_file: file } }
}

/**
 * A Prometheus configuration (the YAML its `--config.file` reads): one scrape job per target, the
 * file-discovered folders, and the rules. Every target is scraped as the PodMonitors scrape the cluster.
 */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = `${options.scrapeIntervalS}s`
  const jobs = [
    ...options.targets.map((target) => {
      const url = new URL(target.url)
      return {
        job_name: target.job,
        scheme: url.protocol.replace(':', ''),
        metrics_path: url.pathname,
        ...(target.intervalS === undefined
          ? {}
          : { scrape_interval: `${target.intervalS}s`, scrape_timeout: `${target.intervalS}s` }),
        ...authorization(target.bearerTokenFile),
        static_configs: [{ targets: [url.host], labels: { ...target.labels } }],
      }
    }),
    ...(options.folders ?? []).map((folder) => ({
      job_name: folder.job,
      ...authorization(folder.bearerTokenFile),
      file_sd_configs: [{ files: [`${folder.dir}/*.json`], refresh_interval: interval }],
    })),
  ]
  return stringify(
    {
      global: { scrape_interval: interval, evaluation_interval: interval },
      ...(options.ruleFiles === undefined ? {} : { rule_files: [...options.ruleFiles] }),
      scrape_configs: jobs,
    },
    { lineWidth: 0 },
  )
}
