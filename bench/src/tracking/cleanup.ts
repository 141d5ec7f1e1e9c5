import { ConfluentSchemaRegistry } from '@oxagry/avro'
import type { Admin } from 'kafkajs'
import { MongoClient } from 'mongodb'
import { deleteTopicsWithPrefix } from '../streams/kafka.ts'
import type { StackServices } from './services.ts'

/**
 * Removes what a run left on the stack under its prefix: topics (its own and the streams runtime's
 * changelogs), consumer groups, the value subjects of its topics, and MongoDB databases. Each part is
 * attempted whatever the others did; what failed is returned, to be logged.
 *
 * A group whose member did not leave (a process stopped in the middle of a write) cannot be deleted
 * until the broker expires the member; `groupWaitMs` keeps trying that long. Likewise a write FerretDB
 * was stuck in may land after its database was dropped and create it again: a final sweep drops the
 * databases again, by name (FerretDB's listDatabases can hang while such a write is stuck).
 */
export async function cleanUpStack(
  admin: Admin,
  services: StackServices,
  prefix: string,
  options: { readonly mongoDatabases?: readonly string[]; readonly groupWaitMs?: number } = {},
): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    await work().catch((error: unknown) => problems.push(`${what}: ${String(error)}`))
  }
  let topics: string[] = []
  await attempt('topics', async () => (topics = await deleteTopicsWithPrefix(admin, prefix)))
  await attempt('groups', async () => {
    const deadline = Date.now() + (options.groupWaitMs ?? 0)
    for (;;) {
      const { groups } = await admin.listGroups()
      const mine = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix))
      if (mine.length === 0) return
      try {
        await admin.deleteGroups(mine)
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 5000))
      }
    }
  })
  const registry = new ConfluentSchemaRegistry({ url: services.registryUrl, clientId: 'oxagry-bench' })
  for (const topic of topics)
    await attempt(`subject ${topic}-value`, () => registry.deleteSubject(`${topic}-value`))
  const databases = options.mongoDatabases ?? []
  if (databases.length > 0) {
    const client = new MongoClient(services.mongodbUrl, {
      serverSelectionTimeoutMS: 5000,
      socketTimeoutMS: 30_000,
      retryReads: false,
      retryWrites: false,
    })
    try {
      for (const database of databases)
        await attempt(`database ${database}`, () => client.db(database).dropDatabase())
    } finally {
      await client.close()
    }
  }
  return problems
}

/** The database the sink benchmark writes one MongoDB target into. */
export function sinkDatabase(prefix: string, target: string): string {
  return `${prefix}_${target}`.replaceAll('-', '_')
}
