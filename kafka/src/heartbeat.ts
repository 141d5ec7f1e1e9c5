import type { Batch } from './types.ts'

// Kafka's consumer heartbeats from a thread of its own, so only the time between polls counts against
// the group (max.poll.interval.ms). kafkajs heartbeats only when asked: between batches, or when the
// application calls a batch's heartbeat(). A member that works on one batch (or restores, or commits)
// for longer than its session timeout is taken for dead and loses its partitions to a rebalance, unless
// someone asks for heartbeats meanwhile: a timer while the work waits on I/O (`heartbeatWhile`), and the
// work itself while it holds the event loop (`HeartbeatPacer`).

/**
 * How often a kafkajs member heartbeats, and is asked to during long work: Kafka's default
 * heartbeat.interval.ms, well under the session timeout (30 s unless configured).
 */
export const HEARTBEAT_INTERVAL_MS = 3_000

/**
 * How many times per heartbeat interval the client is asked. kafkajs sends a heartbeat only when a full
 * interval has passed since its last one was answered, so asking exactly once per interval (a little
 * before that answer's interval is up) skipped every other ask: heartbeats went out two intervals apart,
 * 6 s against the broker's smallest session timeout of 6 s. Asked three times per interval, the client
 * sends at most an interval and a third apart.
 */
export const HEARTBEAT_ASKS_PER_INTERVAL = 3

/**
 * Runs `work`, asking for a heartbeat several times per `intervalMs` until it settles (the client sends
 * one when its interval is up): the heartbeats of a member whose work waits (a send, a commit, a
 * restore) while kafkajs waits for it. A heartbeat that fails (a
 * rebalance under way, the broker away) goes to `onError`: the client meets the same answer at its own
 * heartbeat after the batch and acts on it (rejoins, or restarts).
 */
export async function heartbeatWhile<T>(
  work: () => Promise<T>,
  heartbeat: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(onError), intervalMs / HEARTBEAT_ASKS_PER_INTERVAL)
  try {
    return await work()
  } finally {
    clearInterval(timer)
  }
}

/**
 * The heartbeats of work that holds the event loop (records processed one after another with no
 * await), where no timer can fire. `due()` is one clock read, cheap enough for a per-record loop;
 * `beat()` asks the client of the latest batch for a heartbeat without waiting for the broker's answer
 * (a broker slow to answer does not hold the records up) and lets the event loop turn once, so the
 * request goes out. A backend whose batches name no `heartbeatIntervalMs` (librdkafka heartbeats from its
 * own thread, the memory broker has no sessions) is never due.
 */
export class HeartbeatPacer {
  private heartbeat: (() => Promise<void>) | undefined
  private intervalMs = Number.POSITIVE_INFINITY
  private last = 0

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Asks through this batch's client from now on (kafkajs' heartbeat stays good after its batch). */
  follow(batch: Pick<Batch, 'heartbeat' | 'heartbeatIntervalMs'>): void {
    this.heartbeat = () => batch.heartbeat()
    this.intervalMs = batch.heartbeatIntervalMs ?? Number.POSITIVE_INFINITY
  }

  /** The member whose batches were followed is gone: nothing is due until a new one delivers. */
  forget(): void {
    this.heartbeat = undefined
    this.intervalMs = Number.POSITIVE_INFINITY
  }

  /**
   * Whether asking is due: a fraction of the interval has passed since the last ask here (the client
   * sends a heartbeat only when its own interval is up, so asks come more often than that).
   */
  due(now: number = Date.now()): boolean {
    return now - this.last >= this.intervalMs / HEARTBEAT_ASKS_PER_INTERVAL
  }

  async beat(): Promise<void> {
    this.last = Date.now()
    void this.heartbeat?.().catch(this.onError)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
