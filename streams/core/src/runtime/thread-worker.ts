/**
 * A stream thread's worker (`numStreamThreads` above 1): builds its topology and clients with the
 * instance's `threadModule`, runs them as one stream thread of the instance, reports its state to the
 * main thread and answers its requests (start, close, metrics, store reads).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Registry } from 'prom-client'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { buildThread } from './thread-module.ts'
import {
  toWire,
  type FromThread,
  type StoreRead,
  type ThreadRequest,
  type ThreadStatus,
  type ThreadWorkerData,
  type ToThread,
} from './thread-protocol.ts'

const port = parentPort
if (port === null) throw new Error('thread-worker runs in a worker thread only')
const data = (workerData as { data: ThreadWorkerData }).data
const registry = new Registry()
let streams: KafkaStreams | undefined
let reporter: NodeJS.Timeout | undefined

function send(message: FromThread): void {
  port?.postMessage(message)
}

function status(s: KafkaStreams): ThreadStatus {
  const health = s.health()
  const local = s.localPartitions()
  return {
    index: data.index,
    state: s.state,
    ready: health.ready,
    ...(health.error === undefined
      ? {}
      : { error: { ...health.error, retriable: s.error?.retriable === true } }),
    ...(health.stalledMs === undefined ? {} : { stalledMs: health.stalledMs }),
    tasks: s.taskIds,
    partitions: local.partitions,
    owned: local.owned,
    restores: s.restoration(),
  }
}

function report(): void {
  if (streams !== undefined) send({ type: 'status', status: status(streams) })
}

async function start(): Promise<void> {
  const info = {
    applicationId: data.options.applicationId,
    index: data.index,
    numStreamThreads: data.numStreamThreads,
  }
  const build = await buildThread(data.module, info)
  streams = new KafkaStreams(
    build.topology,
    { ...build.config, ...data.options, numStreamThreads: 1, metricsRegistry: registry },
    { thread: { index: data.index, processId: data.processId } },
  )
  streams.onStateChange(report)
  // Stalls and restores move without a state change: the main thread's health sees them this late.
  reporter = setInterval(report, Math.min(1000, streams.config.stalledAfterMs))
  await streams.start()
}

/** The thread's metrics, each series labelled with the thread's number. */
async function metrics(): Promise<unknown> {
  const all = await registry.getMetricsAsJSON()
  const thread = String(data.index)
  return all.map((m) => ({
    ...m,
    values: m.values.map((v) => ({ ...v, labels: { ...v.labels, thread } })),
  }))
}

async function drain<T>(values: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const v of values) out.push(v)
  return out
}

/** A read on the thread's part of a store: iterators come back as arrays, one message each. */
async function read(request: StoreRead): Promise<unknown> {
  if (streams === undefined) {
    throw new StreamsError(STREAMS_ERROR_CODES.NOT_AVAILABLE, 'the thread has not started', {
      retriable: true,
    })
  }
  const view = streams.asyncStore(request.store, request.kind as 'keyValue') as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >
  const method = view[request.method]
  if (typeof method !== 'function') {
    throw new StreamsError(
      STREAMS_ERROR_CODES.UNKNOWN_STORE,
      `a ${request.kind} store has no read ${request.method}`,
      { context: { store: request.store } },
    )
  }
  const args = request.method === 'prefixScan' ? [request.args[0], BYTES_PREFIX] : (request.args as unknown[])
  const answer = method(...args)
  return Symbol.asyncIterator in (answer as object) ? drain(answer as AsyncIterable<unknown>) : answer
}

/** A prefix the main thread serialized already: its bytes as they came. */
const BYTES_PREFIX = {
  serialize: (_topic: string, bytes: Uint8Array) => Buffer.from(bytes),
  deserialize: (_topic: string, bytes: Buffer) => bytes,
}

async function close(timeoutMs: number): Promise<void> {
  if (reporter !== undefined) clearInterval(reporter)
  await streams?.close({ timeoutMs })
  report()
}

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.kind) {
    case 'start':
      return start()
    case 'close':
      return close(request.timeoutMs)
    case 'metrics':
      return metrics()
    case 'store':
      return read(request.read)
  }
}

port.on('message', (message: ToThread) => {
  handle(message.request).then(
    (value) => send({ type: 'reply', id: message.id, ok: true, value }),
    (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: toWire(error) }),
  )
})
