/** When a sink's group coordinator counts as out of reach: see {@link BrokerWatch}. */
export interface BrokerWatchOptions {
  /** One cheap call that needs the group coordinator (reading the group's committed offsets). */
  readonly probe: () => Promise<unknown>
  /** How often a probe starts; 0 turns the watch off. */
  readonly intervalMs: number
  /** Out of reach once no probe succeeded for this long. */
  readonly unreachableAfterMs: number
  /** Told when the answer changes, with the last probe's error when it turned unreachable. */
  readonly onChange: (reachable: boolean, error: unknown) => void
  readonly now?: () => number
}

/**
 * Whether the broker answers the sink's group, asked on an interval rather than waiting for a commit:
 * a sink with nothing to write would say ready through a whole outage, and one commit waits out the
 * client's whole retry budget before it fails. Out of reach only when no probe succeeded for
 * `unreachableAfterMs`, so one slow or failed request does not flip readiness; a probe still waiting
 * (the client retrying a refused connection) is no success. Probes overlap, a new one every interval
 * while fewer than the window holds are young, so one started after the broker came back answers at
 * once instead of waiting for an old one's retries.
 */
export class BrokerWatch {
  private timer: NodeJS.Timeout | undefined
  private lastOkAt: number
  private reachable = true
  private lastError: unknown
  /** Start times of the probes still waiting, by probe. */
  private readonly pending = new Map<number, number>()
  private probes = 0
  private readonly now: () => number

  constructor(private readonly options: BrokerWatchOptions) {
    this.now = options.now ?? (() => performance.now())
    this.lastOkAt = this.now()
  }

  start(): this {
    if (this.options.intervalMs <= 0 || this.timer !== undefined) return this
    this.lastOkAt = this.now()
    this.timer = setInterval(() => this.tick(), this.options.intervalMs)
    this.timer.unref()
    return this
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** True unless no probe succeeded for `unreachableAfterMs`. */
  get isReachable(): boolean {
    return this.reachable
  }

  /** Starts a probe unless enough young ones are waiting, then judges. Public for tests. */
  tick(): void {
    const now = this.now()
    const young = [...this.pending.values()].filter((at) => now - at < this.options.unreachableAfterMs).length
    const window = Math.max(
      1,
      Math.ceil(this.options.unreachableAfterMs / Math.max(1, this.options.intervalMs)),
    )
    if (young < window) {
      const id = ++this.probes
      this.pending.set(id, now)
      void this.options
        .probe()
        .then(
          () => this.succeeded(),
          (error: unknown) => void (this.lastError = error),
        )
        .finally(() => this.pending.delete(id))
    }
    this.judge()
  }

  private succeeded(): void {
    this.lastOkAt = this.now()
    this.lastError = undefined
    if (!this.reachable) {
      this.reachable = true
      this.options.onChange(true, undefined)
    }
  }

  private judge(): void {
    if (!this.reachable || this.now() - this.lastOkAt <= this.options.unreachableAfterMs) return
    this.reachable = false
    this.options.onChange(false, this.lastError)
  }
}
