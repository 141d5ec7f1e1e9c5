import type { Serde } from '@oxagry/kafka'
import type { AnyAsyncReadOnlyStore } from '../state/async-read-only.ts'
import { serializeSync } from '../state/sync-serde.ts'
import type { StoreKind } from '../state/store.ts'
import type { StoreRead } from './thread-protocol.ts'

/**
 * Asks every stream thread the same read: each answer or failure in thread order. A thread that does
 * not hold the store's task answers as an empty store does.
 */
export type AskThreads = (read: StoreRead) => Promise<PromiseSettledResult<unknown>[]>

/** How the threads' answers to a read make one: the first found, their sum, or all of them in turn. */
const COMBINE = {
  keyValue: {
    approximateNumEntries: 'sum',
    get: 'first',
    getWithTimestamp: 'first',
    all: 'stream',
    reverseAll: 'stream',
    range: 'stream',
    reverseRange: 'stream',
    prefixScan: 'stream',
  },
  window: {
    approximateNumEntries: 'sum',
    fetch: 'first',
    fetchWithTimestamp: 'first',
    fetchRange: 'concat',
    all: 'stream',
  },
  session: {
    approximateNumEntries: 'sum',
    findSessions: 'concat',
    fetchSession: 'first',
    all: 'stream',
  },
} as const satisfies Record<StoreKind, Record<string, 'sum' | 'first' | 'concat' | 'stream'>>

/**
 * One answer from every thread's: a thread that failed (its tasks moving, say) fails the read unless
 * another found what a key lookup asked for, since the key may be in the failed thread's tasks.
 */
function combine(
  how: 'sum' | 'first' | 'concat' | 'stream',
  results: PromiseSettledResult<unknown>[],
): unknown {
  const answers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (how === 'first') {
    const found = answers.find((a) => a !== undefined)
    if (found !== undefined || failed === undefined) return found
  }
  if (failed !== undefined) throw failed.reason
  switch (how) {
    case 'sum':
      return answers.reduce<number>((n, a) => n + (a as number), 0)
    case 'concat':
    case 'stream':
      return (answers as unknown[][]).flat()
    case 'first':
      return undefined
  }
}

/**
 * An asynchronous read-only view of a store spread over the instance's stream threads: each read is
 * asked of every thread (the store's tasks are wherever the group put them) and the answers combined,
 * as Kafka's composite store combines a store's instances. A prefix is serialized here, where its serde
 * is, and crosses as bytes.
 */
export function threadStoreView(kind: StoreKind, store: string, ask: AskThreads): AnyAsyncReadOnlyStore {
  const view: Record<string, unknown> = { name: store, kind }
  for (const [method, how] of Object.entries(COMBINE[kind])) {
    const run = async (args: unknown[]): Promise<unknown> => {
      const sent =
        method === 'prefixScan'
          ? [serializeSync(args[1] as Serde<unknown>, store, args[0], `store ${store} prefix`)]
          : args
      return combine(how, await ask({ store, kind, method, args: sent }))
    }
    view[method] =
      how === 'stream'
        ? (...args: unknown[]) =>
            (async function* () {
              yield* (await run(args)) as unknown[]
            })()
        : (...args: unknown[]) => run(args)
  }
  return Object.freeze(view) as unknown as AnyAsyncReadOnlyStore
}
