import type { Cancellable, PunctuationType, Punctuator } from '../processor/api.ts'

interface Schedule {
  readonly type: PunctuationType
  readonly intervalMs: number
  readonly node: string
  readonly punctuator: Punctuator
  next: number
  cancelled: boolean
}

/**
 * A task's punctuation schedules. Stream-time schedules are aligned to 0 and fire as soon as stream
 * time is known; wall-clock ones fire an interval after they were made. Either fires at most once per
 * check even when time jumps several intervals, as in Kafka Streams.
 */
export class PunctuationQueue {
  private readonly schedules: Schedule[] = []

  schedule(
    type: PunctuationType,
    intervalMs: number,
    node: string,
    punctuator: Punctuator,
    nowMs: number,
  ): Cancellable {
    if (!(intervalMs >= 1))
      throw new RangeError(`punctuation interval must be at least 1 ms, got ${intervalMs}`)
    const entry: Schedule = {
      type,
      intervalMs,
      node,
      punctuator,
      next: type === 'STREAM_TIME' ? 0 : nowMs + intervalMs,
      cancelled: false,
    }
    this.schedules.push(entry)
    return {
      cancel: () => {
        entry.cancelled = true
      },
    }
  }

  /** Runs due punctuators of the type; `run` sets the task's context around each call. */
  punctuate(type: PunctuationType, now: number, run: (node: string, fn: () => void) => void): boolean {
    let fired = false
    for (const s of this.schedules) {
      if (s.cancelled || s.type !== type || now < s.next || now < 0) continue
      const behind = now - s.next
      s.next = now - (behind % s.intervalMs) + s.intervalMs
      fired = true
      run(s.node, () => s.punctuator(now))
    }
    for (let i = this.schedules.length - 1; i >= 0; i--)
      if (this.schedules[i]?.cancelled) this.schedules.splice(i, 1)
    return fired
  }
}
