import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kafka, Message } from 'kafkajs'
import { SystemProcess } from './child.ts'
import { createTopics, preload } from './kafka.ts'

/** One row of results/memory.json. */
export interface MemoryResult {
  readonly store: 'lmdb' | 'in-memory'
  readonly keys: number
  /** Puts per second while the worker consumed the keys (first record to last). */
  readonly recordsPerSec: number | null
  /** After processing, a commit (LMDB flush) and a full GC. */
  readonly rssMB: number | null
  readonly heapUsedMB: number | null
  readonly heapTotalMB: number | null
  readonly externalMB: number | null
  /** The same worker before it started consuming: what the figures above add to. */
  readonly baselineRssMB: number | null
  readonly baselineHeapUsedMB: number | null
  readonly error?: string
}

export interface MemoryReport {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly baseline: NodeJS.MemoryUsage
  readonly entries: number
  readonly elapsedMs: number
}

const VALUE_BYTES = 100

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10
}

export function keyOf(i: number): string {
  return `key-${String(i).padStart(8, '0')}`
}

/**
 * A worker of @oxagry/streams (memory-worker.ts) puts `keys` distinct keys with 100-byte values into a
 * key-value store, LMDB or in memory, through a custom processor; it reports process.memoryUsage() once
 * every key is in and committed. The input is loaded once and read by both workers.
 */
export async function runMemory(options: {
  kafka: Kafka
  brokers: readonly string[]
  runId: string
  keys: number
  partitions: number
  logDir: string
  log: (line: string) => void
}): Promise<MemoryResult[]> {
  const { runId, keys, log } = options
  const producer = options.kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const input = `${runId}-mem-in`
  await createTopics(options.brokers, [{ name: input, partitions: options.partitions }])
  const filler = 'x'.repeat(VALUE_BYTES)
  const started = Date.now()
  for (let from = 0; from < keys; from += 100_000) {
    const messages: Message[] = []
    for (let i = from; i < Math.min(keys, from + 100_000); i++)
      messages.push({ key: keyOf(i), value: `${i}:${filler}`.slice(0, VALUE_BYTES) })
    await preload(producer, input, messages)
  }
  await producer.disconnect()
  log(`${input}: preloaded ${keys} keys in ${Date.now() - started} ms`)
  const worker = fileURLToPath(new URL('./memory-worker.ts', import.meta.url))
  const results: MemoryResult[] = []
  for (const store of ['lmdb', 'in-memory'] as const) {
    const app = `${runId}-mem-${store}`
    const child = new SystemProcess(
      `memory worker (${store})`,
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        worker,
        '--brokers',
        options.brokers.join(','),
        '--app-id',
        app,
        '--input',
        input,
        '--store',
        store,
        '--keys',
        String(keys),
      ],
      join(options.logDir, `${app}.log`),
    )
    try {
      let timer: NodeJS.Timeout | undefined
      const line = await child
        .guard(
          Promise.race([
            child.line((l) => l.startsWith('MEMORY ')),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('no MEMORY report within 15 minutes')), 15 * 60_000)
            }),
          ]),
        )
        .finally(() => clearTimeout(timer))
      const report = JSON.parse(line.slice('MEMORY '.length)) as MemoryReport
      const result: MemoryResult = {
        store,
        keys,
        recordsPerSec: Math.round((keys * 1000) / report.elapsedMs),
        rssMB: mb(report.rss),
        heapUsedMB: mb(report.heapUsed),
        heapTotalMB: mb(report.heapTotal),
        externalMB: mb(report.external),
        baselineRssMB: mb(report.baseline.rss),
        baselineHeapUsedMB: mb(report.baseline.heapUsed),
      }
      if (report.entries !== keys) log(`${app}: the store holds ${report.entries} entries, expected ${keys}`)
      log(`${app}: ${JSON.stringify(result)}`)
      results.push(result)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      log(`${app}: FAILED: ${message}`)
      results.push({
        store,
        keys,
        recordsPerSec: null,
        rssMB: null,
        heapUsedMB: null,
        heapTotalMB: null,
        externalMB: null,
        baselineRssMB: null,
        baselineHeapUsedMB: null,
        error: message.split('\n')[0] ?? message,
      })
    } finally {
      await child.stop()
    }
  }
  return results
}
