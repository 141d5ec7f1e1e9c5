/**
 * Latency of the paced phase: per input, the time from its send to the output record it produced.
 * Two clocks on the output side: the broker's LogAppendTime (output topics are created with
 * `message.timestamp.type=LogAppendTime`, so the system under test cannot set it) and the time the
 * bench's read_committed consumer received the record (which, under exactly-once, includes waiting for
 * the transaction to commit).
 */
export interface Latencies {
  /** Output LogAppendTime - input send time, ms, one per input. */
  readonly append: number[]
  /** Output received by the read_committed consumer - input send time, ms. */
  readonly visible: number[]
}

export interface LatencyTracker {
  /** Outputs still missing: 0 when every input of the phase has its latency. */
  readonly pending: number
  onOutput(key: Buffer | null, value: Buffer | null, appendTime: number, receivedAt: number): void
  latencies(): Latencies
}

/**
 * Stateless scenario: each kept input yields one output whose value carries the input's send time (the
 * ping's eventTime is set to it) and its pingId, so duplicates of at-least-once count once.
 */
export class PingLatencyTracker implements LatencyTracker {
  private readonly seen = new Set<string>()
  private readonly append: number[] = []
  private readonly visible: number[] = []
  private expected = 0

  constructor(private readonly decode: (value: Buffer) => { pingId: string; eventTime: number }) {}

  /** An input the filter keeps was sent. */
  expect(): void {
    this.expected++
  }

  get pending(): number {
    return this.expected - this.seen.size
  }

  onOutput(_key: Buffer | null, value: Buffer | null, appendTime: number, receivedAt: number): void {
    if (value === null) return
    const { pingId, eventTime } = this.decode(value)
    if (this.seen.has(pingId)) return
    this.seen.add(pingId)
    this.append.push(appendTime - eventTime)
    this.visible.push(receivedAt - eventTime)
  }

  latencies(): Latencies {
    return { append: [...this.append], visible: [...this.visible] }
  }
}

interface WindowEntry {
  readonly sentAt: number[]
  /** How many of the inputs have been answered by an output count. */
  matched: number
}

/**
 * Windowed count: an output (key, window start) = n answers the n-th input of that key in that window.
 * An output count that jumps (a system that caches updates) answers every input up to n at once; one
 * that repeats (a duplicate of at-least-once) answers nothing new.
 */
export class CountLatencyTracker implements LatencyTracker {
  private readonly windows = new Map<string, WindowEntry>()
  private readonly append: number[] = []
  private readonly visible: number[] = []
  private expected = 0

  constructor(private readonly windowSizeMs: number) {}

  private static id(key: string, windowStart: number): string {
    return `${key}\u0000${windowStart}`
  }

  /** An input was sent with this key and record timestamp. */
  expect(key: string, timestamp: number): void {
    const start = Math.floor(timestamp / this.windowSizeMs) * this.windowSizeMs
    const id = CountLatencyTracker.id(key, start)
    const entry = this.windows.get(id) ?? { sentAt: [], matched: 0 }
    entry.sentAt.push(timestamp)
    this.windows.set(id, entry)
    this.expected++
  }

  get pending(): number {
    return this.expected - this.append.length
  }

  /** Key: the key's bytes then the window start, 8 bytes big-endian; value: the count, 8 bytes. */
  onOutput(key: Buffer | null, value: Buffer | null, appendTime: number, receivedAt: number): void {
    if (key === null || value === null || key.length < 8 || value.length !== 8) return
    const start = Number(key.readBigInt64BE(key.length - 8))
    const entry = this.windows.get(CountLatencyTracker.id(key.toString('utf8', 0, key.length - 8), start))
    if (entry === undefined) return
    const count = Math.min(Number(value.readBigInt64BE(0)), entry.sentAt.length)
    for (let n = entry.matched; n < count; n++) {
      const sentAt = entry.sentAt[n] as number
      this.append.push(appendTime - sentAt)
      this.visible.push(receivedAt - sentAt)
    }
    entry.matched = Math.max(entry.matched, count)
  }

  latencies(): Latencies {
    return { append: [...this.append], visible: [...this.visible] }
  }
}
