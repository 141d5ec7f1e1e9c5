import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { STREAMS_ERROR_CODES, StreamsError, type StreamsErrorCode } from '../errors.ts'
import type { ResolvedConfig } from './config.ts'
import { threadModuleUrl, threadOptions } from './thread-module.ts'
import type {
  FromThread,
  ThreadRequest,
  ThreadStatus,
  ThreadWorkerData,
  ToThread,
  WireError,
} from './thread-protocol.ts'
import { StreamsState } from './streams-state.ts'

const CODES = new Set<string>(Object.values(STREAMS_ERROR_CODES))

/** A typed error back from its wire form: its code when it is one of ours. */
export function fromWire(error: WireError): StreamsError {
  const code = (CODES.has(error.code) ? error.code : STREAMS_ERROR_CODES.STATE) as StreamsErrorCode
  return new StreamsError(code, error.message, { retriable: error.retriable })
}

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: StreamsError) => void
}

/** One worker running one stream thread, and what it last said of itself. */
class ThreadHandle {
  status: ThreadStatus
  /** Set once the worker is gone: what it died of, when it did not close cleanly. */
  exited: StreamsError | undefined
  private nextId = 0
  private readonly pending = new Map<number, Pending>()

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {
    this.status = {
      index,
      state: StreamsState.CREATED,
      ready: false,
      tasks: [],
      partitions: [],
      owned: [],
      restores: [],
    }
  }

  request(request: ThreadRequest): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(this.exited)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ type: 'request', id, request } satisfies ToThread)
    })
  }

  replied(id: number, outcome: { ok: true; value: unknown } | { ok: false; error: WireError }): void {
    const pending = this.pending.get(id)
    this.pending.delete(id)
    if (outcome.ok) pending?.resolve(outcome.value)
    else pending?.reject(fromWire(outcome.error))
  }

  gone(error: StreamsError): void {
    this.exited = error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }
}

/**
 * The stream threads of one instance (`numStreamThreads` above 1), each a worker built from the
 * instance's `threadModule`: starts them, keeps what each last reported, routes requests to them and
 * closes them. Says when a thread's report changed, so the instance can work out its state again.
 */
export class StreamThreadPool {
  private readonly threads: ThreadHandle[] = []

  constructor(
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
    private readonly processId: string,
    private readonly changed: () => void,
  ) {}

  /** Starts every thread; rejects with the first thread's failure (the others are closed by the caller). */
  async start(): Promise<void> {
    const module = threadModuleUrl(this.config.threadModule ?? '')
    const entry = new URL('./thread-worker.ts', import.meta.url).href
    for (let index = 1; index <= this.config.numStreamThreads; index++) {
      const data: ThreadWorkerData = {
        module,
        index,
        numStreamThreads: this.config.numStreamThreads,
        processId: this.processId,
        options: threadOptions(this.config),
      }
      const worker = new Worker(new URL('./thread-bootstrap.mjs', import.meta.url), {
        workerData: { entry, data },
      })
      const thread = new ThreadHandle(index, worker)
      worker.on('message', (message: FromThread) => this.received(thread, message))
      worker.on('error', (error) => this.died(thread, error))
      worker.on('exit', (code) => this.died(thread, new Error(`worker exited with code ${code}`)))
      this.threads.push(thread)
    }
    await Promise.all(this.threads.map((t) => t.request({ kind: 'start' })))
  }

  private received(thread: ThreadHandle, message: FromThread): void {
    switch (message.type) {
      case 'status':
        thread.status = message.status
        this.changed()
        return
      case 'reply':
        thread.replied(message.id, message)
        return
    }
  }

  /** A worker that ended without being closed failed for good: the thread is in ERROR. */
  private died(thread: ThreadHandle, cause: Error): void {
    if (thread.exited !== undefined) return
    const closed = thread.status.state === StreamsState.NOT_RUNNING
    const error = new StreamsError(
      STREAMS_ERROR_CODES.STATE,
      `stream thread ${thread.index} ${closed ? 'closed' : `died: ${cause.message}`}`,
      { cause },
    )
    thread.gone(error)
    if (closed) return
    this.logger.error({ err: cause, thread: thread.index }, 'stream thread died')
    thread.status = {
      ...thread.status,
      state: StreamsState.ERROR,
      ready: false,
      error: { code: error.code, message: error.message, retriable: false },
    }
    this.changed()
  }

  /** What every thread last reported, in thread order. */
  statuses(): ThreadStatus[] {
    return this.threads.map((t) => t.status)
  }

  /** Asks every live thread; each answer or failure in thread order. */
  ask(request: ThreadRequest): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.allSettled(this.threads.map((t) => t.request(request)))
  }

  /** Closes every thread (each within `timeoutMs`), then ends the workers. */
  async close(timeoutMs: number): Promise<void> {
    const results = await this.ask({ kind: 'close', timeoutMs })
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        this.logger.warn({ err: r.reason as unknown, thread: i + 1 }, 'stream thread did not close cleanly')
      }
    }
    await Promise.all(
      this.threads.map(async (t) => {
        t.gone(new StreamsError(STREAMS_ERROR_CODES.STATE, `stream thread ${t.index} closed`))
        await t.worker.terminate()
      }),
    )
  }
}

/**
 * The instance's state from its threads', as Kafka Streams works it out: ERROR when one failed for
 * good, RUNNING when every thread runs, else REBALANCING (a thread starting, restoring or rebalancing).
 */
export function instanceState(threads: readonly ThreadStatus[]): StreamsState {
  if (threads.some((t) => t.state === StreamsState.ERROR)) return StreamsState.ERROR
  if (threads.length > 0 && threads.every((t) => t.state === StreamsState.RUNNING)) {
    return StreamsState.RUNNING
  }
  return StreamsState.REBALANCING
}
