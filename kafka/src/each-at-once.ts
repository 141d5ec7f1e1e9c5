import type { Batch, ConsumerHandlers } from './types.ts'

/**
 * Hands batches of different partitions to the application at once (`partitionsConcurrently`), and
 * returns when every one is done. A failure is thrown once all have ended, so nothing of the
 * application's is still running on a member that stops fetching.
 */
export async function eachAtOnce(batches: readonly Batch[], handlers: ConsumerHandlers): Promise<void> {
  const ended = await Promise.allSettled(batches.map((batch) => handlers.eachBatch(batch)))
  for (const end of ended) if (end.status === 'rejected') throw end.reason
}
