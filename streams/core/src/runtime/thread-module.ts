import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { MaybePromise } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { Topology } from '../topology/topology.ts'
import type { ResolvedConfig, StreamsConfig } from './config.ts'

/** The export a `threadModule` must have. */
export const THREAD_MODULE_EXPORT = 'buildStreamThread'

/**
 * Backends whose clients cannot run in a worker thread, and why: node-rdkafka's addon is not
 * context-aware (it registers with NODE_MODULE), so one process loads it in one thread only; the
 * memory broker lives in one isolate, so threads would not share it.
 */
export const NOT_IN_THREADS: Readonly<Record<string, string>> = {
  rdkafka:
    "node-rdkafka's native addon loads in one thread of a process only (it is not context-aware): use kafkajs, or one process per thread",
  memory: 'the memory broker lives in one isolate: worker threads would each have their own',
}

/** What the module's builder is told about the thread it builds. */
export interface StreamThreadInfo {
  readonly applicationId: string
  /** 1-based, as Kafka Streams numbers its StreamThreads (an application may call it with 0 for its main thread). */
  readonly index: number
  readonly numStreamThreads: number
}

/** The part of the configuration that holds objects and closures: what each thread builds for itself. */
export type ThreadClosures = Pick<
  StreamsConfig,
  | 'backend'
  | 'defaultKeySerde'
  | 'defaultValueSerde'
  | 'deserializationErrorHandler'
  | 'processingErrorHandler'
  | 'logger'
>

/** What a `threadModule`'s `buildStreamThread` returns for each thread. */
export interface StreamThreadBuild {
  readonly topology: Topology
  readonly config: ThreadClosures
}

/**
 * The contract of a `threadModule`: `export function buildStreamThread(info)`, called once in each
 * worker, returning the thread's topology and the options that cannot cross a thread.
 */
export type BuildStreamThread = (info: StreamThreadInfo) => MaybePromise<StreamThreadBuild>

/** The options a worker receives from the main thread: every one a structured clone can carry. */
export type ThreadOptions = Omit<StreamsConfig, keyof ThreadClosures | 'metricsRegistry'>

/** A handler crosses when it is a word or a dead-letter topic without a formatter. */
function crosses(handler: StreamsConfig['processingErrorHandler']): boolean {
  return typeof handler === 'string' || (handler !== undefined && handler.format === undefined)
}

/**
 * The resolved options each thread runs with, minus what it builds itself. The error handlers the main
 * thread was given cross when they hold no closure (they then win over the module's); a dead-letter
 * formatter is the module's to build.
 */
export function threadOptions(config: ResolvedConfig): ThreadOptions & Partial<ThreadClosures> {
  const {
    backend: _backend,
    defaultKeySerde: _key,
    defaultValueSerde: _value,
    logger: _logger,
    metricsRegistry: _registry,
    deserializationErrorHandler,
    processingErrorHandler,
    threadModule: _module,
    applicationServer: _server,
    ...rest
  } = config
  return {
    ...rest,
    ...(crosses(deserializationErrorHandler) ? { deserializationErrorHandler } : {}),
    ...(crosses(processingErrorHandler) ? { processingErrorHandler } : {}),
  }
}

/** A module path (relative to the working directory) or URL, as the `file:` URL a worker imports. */
export function threadModuleUrl(module: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href
}

function invalid(message: string, cause?: unknown): StreamsError {
  return new StreamsError(STREAMS_ERROR_CODES.INVALID_CONFIG, `invalid streams config:\n  ${message}`, {
    ...(cause === undefined ? {} : { cause }),
  })
}

/** Imports the module and builds one thread, checking what it returns: a typed error names the fault. */
export async function buildThread(module: string, info: StreamThreadInfo): Promise<StreamThreadBuild> {
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(threadModuleUrl(module))) as Record<string, unknown>
  } catch (error) {
    throw invalid(`/config/threadModule ${module} could not be imported: ${(error as Error).message}`, error)
  }
  const build = loaded[THREAD_MODULE_EXPORT]
  if (typeof build !== 'function') {
    throw invalid(`/config/threadModule ${module} has no ${THREAD_MODULE_EXPORT} function export`)
  }
  const built = (await (build as BuildStreamThread)(info)) as Partial<StreamThreadBuild> | undefined
  if (!(built?.topology instanceof Topology)) {
    throw invalid(`/config/threadModule ${module}: ${THREAD_MODULE_EXPORT} returned no topology`)
  }
  if (typeof built.config?.backend !== 'object') {
    throw invalid(`/config/threadModule ${module}: ${THREAD_MODULE_EXPORT} returned no config.backend`)
  }
  const refused = NOT_IN_THREADS[built.config.backend.name]
  if (refused !== undefined) {
    throw invalid(`/config/threadModule ${module}: a ${built.config.backend.name} backend: ${refused}`)
  }
  return { topology: built.topology, config: built.config }
}
