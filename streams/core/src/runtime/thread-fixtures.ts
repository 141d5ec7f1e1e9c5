/**
 * The `threadModule` the stream-thread tests run: the counting topology on the real broker. A module
 * is imported by URL, so its query carries the test's parameters (`input`, `output`, `brokers`, `client`,
 * `log`, and `poison`: a key the processor throws on).
 */
import { createKafkaBackend, isKafkaClientName, MemoryBackend } from '@oxagry/kafka'
import { pino } from 'pino'
import { countTopology } from './integration-fixtures.ts'
import type { StreamThreadBuild, StreamThreadInfo } from './thread-module.ts'

export function buildStreamThread(info: StreamThreadInfo): StreamThreadBuild {
  const params = new URL(import.meta.url).searchParams
  const client = params.get('client') ?? 'kafkajs'
  // A backend stream threads refuse, for the test of that refusal.
  if (client === 'memory')
    return { topology: countTopology('in', 'out'), config: { backend: new MemoryBackend() } }
  const brokers = params.get('brokers')
  if (!isKafkaClientName(client) || brokers === null) throw new Error(`bad fixture URL ${import.meta.url}`)
  const poison = params.get('poison')
  return {
    topology: countTopology(params.get('input') ?? '', params.get('output') ?? '', (key) => {
      // A record the processor cannot take: the thread that owns its partition fails for good.
      if (key === poison) throw new Error(`poison ${key}`)
    }),
    config: {
      backend: createKafkaBackend(client, { brokers: brokers.split(','), sessionTimeoutMs: 6000 }),
      logger: pino({ level: params.get('log') ?? 'silent' }).child({ thread: info.index }),
    },
  }
}

/** The fixture's URL for one test's topics. */
export function fixtureModule(params: Record<string, string>): string {
  const url = new URL('./thread-fixtures.ts', import.meta.url)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return url.href
}
