import { AvroError, ConfluentSchemaRegistry } from '@oxagry/avro'
import {
  connectClusterAdmin,
  createKafkaBackend,
  DEFAULT_KAFKA_CLIENT,
  isKafkaClientName,
  KAFKA_CLIENTS,
  KafkaError,
  kafkaConnectionFromEnv,
  type ClusterAdmin,
  type KafkaBackend,
} from '@oxagry/kafka'
import { parseCommandLine, USAGE, type Command } from './args.ts'
import { deadLetterDecoder } from './dead-letters/envelope.ts'
import { DeadLetterSummarizer, formatSummary } from './dead-letters/list.ts'
import { replayDeadLetters } from './dead-letters/replay.ts'
import { scan, topicRange, wholeTopic } from './dead-letters/scan.ts'
import { showDeadLetter } from './dead-letters/show.ts'
import { OPS_ERROR_CODES, OpsError, usageError } from './errors.ts'
import { formatPlan } from './reset/plan.ts'
import { executeReset, readResetPlan, refusal } from './reset/reset.ts'

/** Exit codes, so scripts can tell outcomes apart. */
export const EXIT = {
  OK: 0,
  /** The command failed (an unreachable service, a missing topic, an unreadable dead letter). */
  FAILED: 1,
  /** Bad arguments. */
  USAGE: 2,
  /** Refused: the application still runs (reset while its group has members). */
  REFUSED: 3,
} as const

export interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: NodeJS.ProcessEnv
}

interface Services {
  readonly admin: ClusterAdmin
  readonly backend: KafkaBackend
  readonly registry: string
}

async function run(command: Command, services: Services, io: Io): Promise<number> {
  const { admin, backend } = services
  const decoder = () => deadLetterDecoder(new ConfluentSchemaRegistry({ url: services.registry }))
  switch (command.kind) {
    case 'reset': {
      const plan = await readResetPlan(admin, command)
      for (const line of formatPlan(plan)) io.out(line)
      const refused = refusal(plan)
      if (command.dryRun) {
        io.out(
          refused === undefined
            ? 'dry run: nothing changed'
            : `dry run: a reset would be refused now: ${refused.message}`,
        )
        return refused === undefined ? EXIT.OK : EXIT.REFUSED
      }
      await executeReset(admin, plan, io.out)
      io.out(
        `application ${plan.applicationId} reset: it reprocesses its inputs from the start when it runs again`,
      )
      return EXIT.OK
    }
    case 'dead-letters list': {
      const summarizer = new DeadLetterSummarizer(
        command.topic,
        command.filter,
        command.limit,
        await decoder(),
      )
      const { from, until } = wholeTopic(command.topic, await topicRange(admin, command.topic))
      await scan(backend, from, until, (records) => summarizer.add(records))
      for (const line of formatSummary(summarizer.summary())) io.out(line)
      return EXIT.OK
    }
    case 'dead-letters show':
      for (const line of await showDeadLetter(admin, backend, await decoder(), command)) io.out(line)
      return EXIT.OK
    case 'dead-letters replay':
      await replayDeadLetters({
        admin,
        backend,
        decode: await decoder(),
        topic: command.topic,
        filter: command.filter,
        ...(command.group === undefined ? {} : { group: command.group }),
        batchSize: command.batchSize,
        dryRun: command.dryRun,
        log: io.out,
      })
      return EXIT.OK
    default: {
      const never: never = command
      throw usageError(`unknown command ${String(never)}`)
    }
  }
}

/** Runs one command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const invocation = parseCommandLine(argv, io.env)
    if (invocation.kind === 'help') {
      io.out(USAGE)
      return EXIT.OK
    }
    const client =
      io.env.KAFKA_CLIENT === undefined || io.env.KAFKA_CLIENT === ''
        ? DEFAULT_KAFKA_CLIENT
        : io.env.KAFKA_CLIENT
    if (!isKafkaClientName(client))
      throw usageError(`$KAFKA_CLIENT must be one of ${KAFKA_CLIENTS.join(', ')}, not ${client}`)
    const connection = kafkaConnectionFromEnv(io.env, { brokers: invocation.brokers })
    const admin = await connectClusterAdmin(connection, { clientId: 'oxagry-ops' })
    const backend = createKafkaBackend(client, { ...connection, clientId: 'oxagry-ops' })
    try {
      return await run(invocation.command, { admin, backend, registry: invocation.registry }, io)
    } finally {
      await backend.close()
      await admin.close()
    }
  } catch (error) {
    if (error instanceof OpsError && error.code === OPS_ERROR_CODES.USAGE) {
      io.err(`${error.message}\n\n${USAGE}`)
      return EXIT.USAGE
    }
    if (error instanceof OpsError || error instanceof AvroError || error instanceof KafkaError) {
      io.err(`[${error.code}] ${error.message}${error.retriable ? ' (retriable)' : ''}`)
      return error instanceof OpsError && error.code === OPS_ERROR_CODES.GROUP_ACTIVE
        ? EXIT.REFUSED
        : EXIT.FAILED
    }
    throw error
  }
}
