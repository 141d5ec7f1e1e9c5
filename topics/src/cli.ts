import { parseArgs } from 'node:util'
import { AvroError, ConfluentSchemaRegistry, formatIssues } from '@oxagry/avro'
import { DEFAULT_BROKERS, kafkaConnectionFromEnv, KafkaError } from '@oxagry/kafka'
import { applyTopics } from './apply.ts'
import { assertCatalogue, TOPIC_LIST } from './catalogue.ts'
import { desiredTopics, isProfile, PROFILES, type Profile } from './desired.ts'
import { TopicsError } from './errors.ts'
import { KEY_FORMATS } from './keys.ts'
import { describeChange } from './plan.ts'
import { checkSchemas, registerSchemas } from './schemas.ts'

/** Exit codes, so scripts and CI can tell outcomes apart. */
export const EXIT = {
  OK: 0,
  /** A command failed (unreachable service, refused request). */
  FAILED: 1,
  /** Bad arguments. */
  USAGE: 2,
  /** Drift or incompatibility remains: dry-run found changes, changes were blocked, a schema is incompatible. */
  DRIFT: 3,
} as const

const DEFAULT_REGISTRY = 'http://127.0.0.1:8081/apis/ccompat/v7'

export const USAGE = `Usage: oxagry-topics <command> [options]
       npm run -w @oxagry/topics cli -- <command> [options]

Commands:
  topics list                 the catalogue: name, partitions, replicas, cleanup, retention, key, value
  topics apply                create missing topics, raise partition counts, set configs; report drift
  schemas register            register every topic's value schema and set the subject's compatibility
  schemas check               check each .avsc against the registered version and its version in git

Options:
  --profile <production|local>  replicas and min.insync.replicas as declared, or 1 for a one-broker
                                cluster ($TOPICS_PROFILE, default production)
  --prefix <p>                  put p before every topic name (tests, shared clusters)
  --brokers <h:p,...>           Kafka bootstrap servers ($KAFKA_BROKERS, default ${DEFAULT_BROKERS})
  --registry <url>              Confluent-compatible registry ($SCHEMA_REGISTRY_URL, default ${DEFAULT_REGISTRY})
  --dry-run                     apply/register: report, change nothing
  --allow-destructive           apply: allow changes that lose data (fewer partitions by recreating the
                                topic, shorter retention, another cleanup policy)
  --delete-undeclared           apply: delete topics named like ours (<domain>.<entity>.v<N>) that are
                                not declared
  --base <ref>                  check: git base to compare with ($SCHEMAS_BASE_REF, default the
                                merge-base with main, or HEAD~1 on main)
  --no-git / --no-registry      check: skip that comparison
  -h, --help                    this text

A secured cluster: $KAFKA_SASL_MECHANISM (scram-sha-512, ...), $KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD,
and $KAFKA_SSL_CA_FILE (the cluster CA's ca.crt) or KAFKA_SSL=true for the system's CAs.

Exit codes: 0 done and in sync, 1 failed, 2 usage, 3 drift or incompatibility remains.`

export interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: NodeJS.ProcessEnv
}

const OPTIONS = {
  profile: { type: 'string' },
  prefix: { type: 'string' },
  brokers: { type: 'string' },
  registry: { type: 'string' },
  base: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'allow-destructive': { type: 'boolean' },
  'delete-undeclared': { type: 'boolean' },
  'no-git': { type: 'boolean' },
  'no-registry': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

class UsageError extends Error {}

function env(io: Io, name: string, fallback: string): string {
  const value = io.env[name]
  return value === undefined || value === '' ? fallback : value
}

/** Runs one command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    })
    if (values.help === true || positionals.length === 0) {
      io.out(USAGE)
      return positionals.length === 0 && values.help !== true ? EXIT.USAGE : EXIT.OK
    }
    const command = positionals.join(' ')
    const profile = values.profile ?? env(io, 'TOPICS_PROFILE', 'production')
    if (!isProfile(profile))
      throw new UsageError(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`)
    const prefix = values.prefix ?? ''
    const registry = (): ConfluentSchemaRegistry =>
      new ConfluentSchemaRegistry({
        url: values.registry ?? env(io, 'SCHEMA_REGISTRY_URL', DEFAULT_REGISTRY),
      })
    switch (command) {
      case 'topics list':
        return list(io, profile, prefix)
      case 'topics apply':
        return await apply(io, {
          connection: kafkaConnectionFromEnv(io.env, {
            brokers: values.brokers ?? env(io, 'KAFKA_BROKERS', DEFAULT_BROKERS),
          }),
          profile,
          prefix,
          dryRun: values['dry-run'] === true,
          allowDestructive: values['allow-destructive'] === true,
          deleteUndeclared: values['delete-undeclared'] === true,
        })
      case 'schemas register':
        return await register(io, registry(), prefix, values['dry-run'] === true)
      case 'schemas check': {
        if (values['no-git'] === true && values['no-registry'] === true) {
          throw new UsageError('--no-git and --no-registry leave nothing to check')
        }
        return await check(io, {
          ...(values['no-registry'] === true ? {} : { registry: registry() }),
          ...(values['no-git'] === true
            ? {}
            : { git: values.base === undefined ? true : { base: values.base } }),
          prefix,
        })
      }
      default:
        throw new UsageError(`unknown command: ${command}`)
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${USAGE}`)
      return EXIT.USAGE
    }
    if (error instanceof TopicsError || error instanceof AvroError || error instanceof KafkaError) {
      io.err(`[${error.code}] ${error.message}${error.retriable ? ' (retriable)' : ''}`)
      return EXIT.FAILED
    }
    throw error
  }
}

function list(io: Io, profile: Profile, prefix: string): number {
  assertCatalogue()
  for (const t of desiredTopics(profile, prefix)) {
    const retention = t.spec.retentionMs === -1 ? 'forever' : `${t.spec.retentionMs / 86_400_000}d`
    io.out(
      `${t.name.padEnd(36)} partitions=${t.partitions} replicas=${t.replicationFactor} ` +
        `min.insync=${t.config['min.insync.replicas']} ${t.spec.cleanupPolicy.padEnd(7)} retention=${retention.padEnd(7)} ` +
        `key=${KEY_FORMATS[t.spec.key].description} value=${t.spec.value.name} (${t.spec.compatibility})`,
    )
  }
  io.out(`${TOPIC_LIST.length} topics`)
  return EXIT.OK
}

async function apply(io: Io, options: Parameters<typeof applyTopics>[0]): Promise<number> {
  const report = await applyTopics(options)
  for (const change of report.changes) io.out(describeChange(change))
  if (report.changes.length === 0) io.out('in sync: nothing to change')
  else if (options.dryRun === true) io.out(`dry run: ${report.changes.length} change(s) found, none made`)
  else if (report.applied) io.out('applied')
  return report.inSync ? EXIT.OK : EXIT.DRIFT
}

async function register(
  io: Io,
  registry: ConfluentSchemaRegistry,
  prefix: string,
  dryRun: boolean,
): Promise<number> {
  const results = await registerSchemas({ registry, prefix, dryRun })
  for (const r of results) {
    const level =
      r.compatibility.from === r.compatibility.to
        ? r.compatibility.to
        : `${r.compatibility.from ?? '(new)'} -> ${r.compatibility.to}`
    io.out(
      `${r.status.padEnd(14)} ${r.subject}${r.id === undefined ? '' : ` id=${r.id}`} compatibility=${level}`,
    )
    if (r.issues.length > 0) io.out(formatIssues(r.issues).replace(/^/gm, '    '))
    if (r.error !== undefined && r.issues.length === 0) io.out(`    ${r.error}`)
  }
  return results.some((r) => r.status === 'rejected') ? EXIT.DRIFT : EXIT.OK
}

async function check(io: Io, options: Parameters<typeof checkSchemas>[0]): Promise<number> {
  const checks = await checkSchemas(options)
  for (const c of checks) {
    io.out(`${c.status.padEnd(12)} ${c.file} (${c.subject}) against ${c.against} at ${c.level}`)
    if (c.issues.length > 0) io.out(formatIssues(c.issues).replace(/^/gm, '    '))
  }
  const bad = checks.filter((c) => c.status === 'incompatible')
  if (bad.length > 0) io.err(`${bad.length} incompatible schema change(s)`)
  return bad.length > 0 ? EXIT.DRIFT : EXIT.OK
}
