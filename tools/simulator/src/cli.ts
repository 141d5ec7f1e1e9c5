import { pathToFileURL } from 'node:url'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { KafkaError, KafkaJsBackend, kafkaConnectionFromEnv, type KafkaConnection } from '@oxagry/kafka'
import { parseArgs } from 'node:util'
import { SIM_ERROR_CODES, SimError } from './errors.ts'
import { createFleet } from './fleet.ts'
import { runSimulator } from './run.ts'
import { createBackendPingSink, createSimulatorSerdes, DEFAULT_SIMULATOR_TOPICS } from './sink.ts'

export const USAGE = `Usage: npm run -w @oxagry/simulator start -- [flags]

  --machines N        machines in the fleet (default 200)
  --rate N            pings per second over the fleet (default 100)
  --seed N            PRNG seed (default 42)
  --duration S        seconds to run; 0 runs until SIGINT/SIGTERM (default 60)
  --bad-data X        scale of the default bad-data shares, 0 for clean data (default 1)
  --brokers LIST      Kafka bootstrap servers (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --registry URL      schema registry (default $SCHEMA_REGISTRY_URL or the local stack's)
  --pings-topic T     (default ${DEFAULT_SIMULATOR_TOPICS.pings})
  --geofences-topic T (default ${DEFAULT_SIMULATOR_TOPICS.geofences})
  --create-topics     create missing topics (local stack)
  --auto-register     register the schemas when missing (local stack)
`

export interface CliFlags {
  readonly machines: number
  readonly rate: number
  readonly seed: number
  readonly durationS: number
  readonly badDataScale: number
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them from the environment. */
  readonly kafka: KafkaConnection
  readonly registry: string
  readonly pingsTopic: string
  readonly geofencesTopic: string
  readonly createTopics: boolean
  readonly autoRegister: boolean
}

function number(
  flag: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new SimError(
      SIM_ERROR_CODES.INVALID_FLAG,
      `--${flag} must be ${what}, got ${JSON.stringify(raw)}`,
      {
        context: { path: `--${flag}` },
      },
    )
  }
  return n
}

/** Parses and checks the flags; every bad value is named with what it should be. */
export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliFlags {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        machines: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        'bad-data': { type: 'string' },
        brokers: { type: 'string' },
        registry: { type: 'string' },
        'pings-topic': { type: 'string' },
        'geofences-topic': { type: 'string' },
        'create-topics': { type: 'boolean' },
        'auto-register': { type: 'boolean' },
      },
    }).values
  } catch (error) {
    throw new SimError(SIM_ERROR_CODES.INVALID_FLAG, `${(error as Error).message}\n\n${USAGE}`, {
      cause: error,
    })
  }
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined
  const isInt = Number.isInteger
  let kafka: KafkaConnection
  try {
    const brokers = str('brokers')
    kafka = kafkaConnectionFromEnv(env, brokers === undefined ? {} : { brokers })
  } catch (error) {
    if (!(error instanceof KafkaError)) throw error
    const setting =
      error.context.setting === 'KAFKA_BROKERS' && str('brokers') !== undefined
        ? '--brokers'
        : error.context.setting
    throw new SimError(
      SIM_ERROR_CODES.INVALID_FLAG,
      error.message.replace(/^KAFKA_BROKERS/, setting ?? 'KAFKA_BROKERS'),
      {
        cause: error,
        context: { path: setting ?? '' },
      },
    )
  }
  const registry = str('registry') ?? env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
  if (!/^https?:\/\//.test(registry)) {
    throw new SimError(SIM_ERROR_CODES.INVALID_FLAG, `--registry must be an http(s) URL, got ${registry}`, {
      context: { path: '--registry' },
    })
  }
  return {
    machines: number(
      'machines',
      str('machines'),
      200,
      (n) => isInt(n) && n >= 1 && n <= 100_000,
      'an integer in 1..100000',
    ),
    rate: number('rate', str('rate'), 100, (n) => n > 0 && n <= 1_000_000, 'a number in (0, 1000000]'),
    seed: number(
      'seed',
      str('seed'),
      42,
      (n) => isInt(n) && n >= 0 && n <= 4_294_967_295,
      'an integer in 0..2^32-1',
    ),
    durationS: number('duration', str('duration'), 60, (n) => n >= 0, 'seconds, 0 or more'),
    badDataScale: number('bad-data', str('bad-data'), 1, (n) => n >= 0 && n <= 10, 'a scale in 0..10'),
    kafka,
    registry,
    pingsTopic: str('pings-topic') ?? DEFAULT_SIMULATOR_TOPICS.pings,
    geofencesTopic: str('geofences-topic') ?? DEFAULT_SIMULATOR_TOPICS.geofences,
    createTopics: values['create-topics'] === true,
    autoRegister: values['auto-register'] === true,
  }
}

async function main(): Promise<void> {
  let flags: CliFlags
  try {
    flags = parseFlags(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const { DEFAULT_BAD_DATA } = await import('./options.ts')
  const fleet = createFleet({
    machines: flags.machines,
    ratePerSecond: flags.rate,
    seed: flags.seed,
    badData: Object.fromEntries(
      Object.entries(DEFAULT_BAD_DATA).map(([k, v]) => [k, Math.min(0.2, v * flags.badDataScale)]),
    ),
  })
  const topics = { pings: flags.pingsTopic, geofences: flags.geofencesTopic }
  const serdes = await createSimulatorSerdes(new ConfluentSchemaRegistry({ url: flags.registry }), topics, {
    autoRegister: flags.autoRegister,
  })
  const backend = new KafkaJsBackend({ ...flags.kafka, clientId: 'oxagry-simulator' })
  const sink = await createBackendPingSink({ backend, serdes, topics, createTopics: flags.createTopics })
  const abort = new AbortController()
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => abort.abort())
  let lastLog = 0
  const result = await runSimulator({
    fleet,
    sink,
    signal: abort.signal,
    ...(flags.durationS === 0 ? {} : { durationMs: flags.durationS * 1000 }),
    onTick: (counts, now) => {
      if (now - lastLog < 5000) return
      lastLog = now
      process.stderr.write(`${JSON.stringify({ at: new Date(now).toISOString(), counts })}\n`)
    },
  })
  await sink.close()
  process.stdout.write(`${JSON.stringify({ ...result, machines: flags.machines, seed: flags.seed })}\n`)
}

// pathToFileURL escapes what a file:// prefix would not (spaces, %), so the CLI runs from any path.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
