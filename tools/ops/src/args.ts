import { parseArgs } from 'node:util'
import { DEFAULT_BROKERS } from '@oxagry/kafka'
import { usageError } from './errors.ts'
import { parseFilter, type DeadLetterFilter } from './filter.ts'

export const DEFAULT_REGISTRY = 'http://127.0.0.1:8081/apis/ccompat/v7'
export const DEFAULT_BATCH_SIZE = 100
export const DEFAULT_LIST_LIMIT = 10

export const USAGE = `Usage: npm run ops -- <command> [options]
       oxagry-ops <command> [options]

Commands:
  reset <applicationId>                    reset a stopped stream application, as Kafka's streams
                                           application reset tool does: input offsets to the earliest,
                                           its internal topics deleted, its local state removed
  dead-letters list <topic>                counts by application, stage and error code, and the most
                                           recent dead letters
  dead-letters show <topic> <p>:<offset>   one dead letter decoded: source, reason, key/value/headers
  dead-letters replay <topic>              produce each dead letter's original record back to its source
                                           topic, each once, even when interrupted and run again

Options of reset:
  --input-topics <t1,t2,...>  the application's input topics (default: every non-internal topic its
                              group has committed offsets for)
  --to-datetime <ISO 8601>    reset inputs to the first record at or after this time instead
                              (2026-11-30T12:00:00Z; no zone means UTC)
  --to-offset <n>             reset every input partition to this offset instead (clamped to the
                              partition's range)
  --state-dir <dir>           the application's STATE_DIR: removes <dir>/<applicationId>
                              ($STATE_DIR; without either, local state is left alone and said so)
  --dry-run                   print the plan, change nothing

Options of dead-letters:
  --filter <field>=<value>    list/replay only matching dead letters; fields: application, stage,
                              error-code, source-topic, retriable, replayed (true/false); repeat a
                              field to match any of its values, different fields must all match
  --limit <n>                 list: how many recent dead letters to print (default ${DEFAULT_LIST_LIMIT}, 0 for none)
  --group <id>                replay: the consumer group keeping the replay's progress
                              (default oxagry-ops-replay.<topic>, plus .<hash of the filter> with one)
  --batch-size <n>            replay: dead letters per transaction (default ${DEFAULT_BATCH_SIZE})
  --dry-run                   replay: print what would be replayed, produce and commit nothing

Common options:
  --brokers <h:p,...>         Kafka bootstrap servers ($KAFKA_BROKERS, default ${DEFAULT_BROKERS})
  --registry <url>            Confluent-compatible registry ($SCHEMA_REGISTRY_URL, default ${DEFAULT_REGISTRY})
  -h, --help                  this text

A secured cluster: $KAFKA_SASL_MECHANISM, $KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD, $KAFKA_SSL_CA_FILE.
$KAFKA_CLIENT (kafkajs or rdkafka) picks the client that reads and replays; group and topic
administration always goes through kafkajs' admin.

Exit codes: 0 done, 1 failed, 2 usage, 3 refused (reset: the group has active members).`

/** Where a reset places the input topics' offsets. */
export type ResetTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'datetime'; readonly timestamp: number }
  | { readonly kind: 'offset'; readonly offset: bigint }

export interface ResetCommand {
  readonly kind: 'reset'
  readonly applicationId: string
  /** Undefined: the topics the group has committed offsets for. */
  readonly inputTopics?: readonly string[]
  readonly to: ResetTarget
  readonly stateDir?: string
  readonly dryRun: boolean
}

export interface ListCommand {
  readonly kind: 'dead-letters list'
  readonly topic: string
  readonly limit: number
  readonly filter: DeadLetterFilter
}

export interface ShowCommand {
  readonly kind: 'dead-letters show'
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

export interface ReplayCommand {
  readonly kind: 'dead-letters replay'
  readonly topic: string
  readonly filter: DeadLetterFilter
  readonly group?: string
  readonly batchSize: number
  readonly dryRun: boolean
}

export type Command = ResetCommand | ListCommand | ShowCommand | ReplayCommand

/** A parsed command line: help, or a command and where the services are. */
export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly command: Command; readonly brokers: string; readonly registry: string }

const OPTIONS = {
  'input-topics': { type: 'string' },
  'to-datetime': { type: 'string' },
  'to-offset': { type: 'string' },
  'state-dir': { type: 'string' },
  'dry-run': { type: 'boolean' },
  filter: { type: 'string', multiple: true },
  limit: { type: 'string' },
  group: { type: 'string' },
  'batch-size': { type: 'string' },
  brokers: { type: 'string' },
  registry: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']

/** Which options each command takes: any other is refused rather than ignored. */
const ALLOWED: Record<Command['kind'], readonly (keyof typeof OPTIONS)[]> = {
  reset: ['input-topics', 'to-datetime', 'to-offset', 'state-dir', 'dry-run'],
  'dead-letters list': ['filter', 'limit'],
  'dead-letters show': [],
  'dead-letters replay': ['filter', 'group', 'batch-size', 'dry-run'],
}
const COMMON = new Set(['brokers', 'registry', 'help'])

// Kafka's legal topic and group names (the streams runtime takes the same for application ids).
const NAME = /^[A-Za-z0-9._-]{1,249}$/

function name(value: string | undefined, what: string): string {
  if (value === undefined) throw usageError(`missing ${what}`)
  // `.` and `..` are legal Kafka names but would point a state directory at its parent.
  if (!NAME.test(value) || /^\.+$/.test(value))
    throw usageError(`${what} ${JSON.stringify(value)} is not a valid Kafka name`)
  return value
}

function count(value: string | undefined, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw usageError(`${option} must be an integer of at least ${min}, not ${JSON.stringify(value)}`, option)
  return Number(value)
}

/** ISO 8601 date and time; without a zone it is UTC, as Kafka's tool reads it in the broker's zone. */
export function parseDatetime(value: string): number {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value)
  const timestamp = m === null ? NaN : Date.parse(m[3] === undefined ? `${value}Z` : value)
  if (Number.isNaN(timestamp))
    throw usageError(
      `--to-datetime ${JSON.stringify(value)} is not an ISO 8601 date and time (2026-11-30T12:00:00Z)`,
      '--to-datetime',
    )
  return timestamp
}

function resetTarget(values: Values): ResetTarget {
  const datetime = values['to-datetime']
  const offset = values['to-offset']
  if (datetime !== undefined && offset !== undefined)
    throw usageError('--to-datetime and --to-offset exclude each other: give one', '--to-offset')
  if (datetime !== undefined) return { kind: 'datetime', timestamp: parseDatetime(datetime) }
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) throw usageError(`--to-offset must be an offset (0 or more), not ${offset}`)
    return { kind: 'offset', offset: BigInt(offset) }
  }
  return { kind: 'earliest' }
}

function position(value: string | undefined): { partition: number; offset: string } {
  const m = value === undefined ? null : /^(\d+):(\d+)$/.exec(value)
  if (m === null || m[1] === undefined || m[2] === undefined)
    throw usageError(`give the dead letter as <partition>:<offset> (0:42), not ${value ?? 'nothing'}`)
  return { partition: Number(m[1]), offset: BigInt(m[2]).toString() }
}

function command(positionals: readonly string[], values: Values, environment: NodeJS.ProcessEnv): Command {
  const [first, second, ...rest] = positionals
  const extra = (expected: number): void => {
    if (positionals.length > expected)
      throw usageError(`unexpected argument ${JSON.stringify(positionals[expected])}`)
  }
  if (first === 'reset') {
    extra(2)
    const inputs = values['input-topics']
    const inputTopics =
      inputs === undefined ? undefined : inputs.split(',').map((t) => name(t.trim(), 'input topic'))
    const stateDir = values['state-dir'] ?? nonEmpty(environment.STATE_DIR)
    if (stateDir === '') throw usageError('--state-dir must name a directory', '--state-dir')
    return {
      kind: 'reset',
      applicationId: name(second, 'applicationId'),
      ...(inputTopics === undefined ? {} : { inputTopics }),
      to: resetTarget(values),
      ...(stateDir === undefined ? {} : { stateDir }),
      dryRun: values['dry-run'] === true,
    }
  }
  if (first === 'dead-letters') {
    const topic = (): string => name(rest[0], 'dead-letter topic')
    switch (second) {
      case 'list':
        extra(3)
        return {
          kind: 'dead-letters list',
          topic: topic(),
          limit: count(values.limit, '--limit', DEFAULT_LIST_LIMIT, 0),
          filter: parseFilter(values.filter ?? []),
        }
      case 'show':
        extra(4)
        return { kind: 'dead-letters show', topic: topic(), ...position(rest[1]) }
      case 'replay': {
        extra(3)
        const group = values.group
        return {
          kind: 'dead-letters replay',
          topic: topic(),
          filter: parseFilter(values.filter ?? []),
          ...(group === undefined ? {} : { group: name(group, '--group') }),
          batchSize: count(values['batch-size'], '--batch-size', DEFAULT_BATCH_SIZE, 1),
          dryRun: values['dry-run'] === true,
        }
      }
      default:
        throw usageError(
          second === undefined
            ? 'dead-letters needs a subcommand: list, show or replay'
            : `unknown dead-letters subcommand ${JSON.stringify(second)}: list, show or replay`,
        )
    }
  }
  throw usageError(`unknown command ${JSON.stringify(first)}: reset or dead-letters`)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value
}

function env(environment: NodeJS.ProcessEnv, key: string, fallback: string): string {
  return nonEmpty(environment[key]) ?? fallback
}

/** Parses a command line once; every problem is an OXA_OPS_USAGE error naming it. */
export function parseCommandLine(argv: readonly string[], environment: NodeJS.ProcessEnv): Invocation {
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    throw usageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help === true) return { kind: 'help' }
  if (positionals.length === 0) throw usageError('give a command')
  const cmd = command(positionals, values, environment)
  const allowed = new Set<string>([...ALLOWED[cmd.kind], ...COMMON])
  for (const [option, value] of Object.entries(values))
    if (value !== undefined && !allowed.has(option))
      throw usageError(`${cmd.kind} does not take --${option}`, `--${option}`)
  return {
    kind: 'run',
    command: cmd,
    brokers: values.brokers ?? env(environment, 'KAFKA_BROKERS', DEFAULT_BROKERS),
    registry: values.registry ?? env(environment, 'SCHEMA_REGISTRY_URL', DEFAULT_REGISTRY),
  }
}
