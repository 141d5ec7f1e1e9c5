import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { MongoClient } from 'mongodb'
import { benchKafka } from '../streams/kafka.ts'

/**
 * Where the stack's services are: the environment variables and defaults of @oxagry/testkit's
 * `serviceUrl` (which cannot be imported outside ava: its index loads ava's test API).
 */
export interface StackServices {
  readonly brokers: readonly string[]
  readonly registryUrl: string
  readonly mongodbUrl: string
}

export function stackServices(env: NodeJS.ProcessEnv = process.env): StackServices {
  const pick = (name: string, fallback: string): string => {
    const value = env[name]
    return value !== undefined && value !== '' ? value : fallback
  }
  return {
    brokers: pick('KAFKA_BROKERS', '127.0.0.1:9092')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    registryUrl: pick('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
    mongodbUrl: pick('MONGODB_URL', 'mongodb://127.0.0.1:27017/'),
  }
}

/** A service of the stack did not answer: the message says which and what to do. */
export class StackUnreachableError extends Error {
  override readonly name = 'StackUnreachableError'
}

async function reach(what: string, where: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe()
  } catch (error) {
    throw new StackUnreachableError(
      `${what} is not reachable at ${where}: start the stack with npm run stack:up (${String(error)})`,
      { cause: error },
    )
  }
}

/** Fails with what to do when Kafka, the registry or MongoDB does not answer. ClickHouse is chdb, in process. */
export async function checkStack(services: StackServices): Promise<void> {
  await reach('Kafka', services.brokers.join(','), async () => {
    const admin = benchKafka(services.brokers).admin()
    await admin.connect()
    try {
      await admin.listTopics()
    } finally {
      await admin.disconnect()
    }
  })
  await reach('The schema registry', services.registryUrl, async () => {
    // Any answer means it is up; a subject that does not exist is a 404, which latestVersion reads as absent.
    await new ConfluentSchemaRegistry({ url: services.registryUrl, clientId: 'oxagry-bench' }).latestVersion(
      'oxagry-bench-probe-value',
    )
  })
  await reach('MongoDB', services.mongodbUrl, async () => {
    const client = new MongoClient(services.mongodbUrl, { serverSelectionTimeoutMS: 5000 })
    try {
      await client.db('admin').command({ ping: 1 })
    } finally {
      await client.close()
    }
  })
}
