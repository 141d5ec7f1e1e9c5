import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { Window } from '../record.ts'

function check(condition: boolean, message: string): void {
  if (!condition) throw new StreamsError(STREAMS_ERROR_CODES.INVALID_CONFIG, message)
}

/** Fixed-size windows: tumbling when the advance equals the size, hopping when smaller. */
export class TimeWindows {
  readonly kind = 'time'

  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    check(sizeMs > 0, `window size must be positive, got ${sizeMs}`)
    check(advanceMs > 0 && advanceMs <= sizeMs, `window advance must be in (0, size], got ${advanceMs}`)
    check(graceMs >= 0, `grace must not be negative, got ${graceMs}`)
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, graceMs)
  }

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, 0)
  }

  advanceBy(advanceMs: number): TimeWindows {
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs)
  }

  /** Every window that contains the timestamp, by start. */
  windowsFor(timestamp: number): Window[] {
    const windows: Window[] = []
    let start =
      Math.floor(Math.max(0, timestamp - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs
    while (start <= timestamp) {
      windows.push({ start, end: start + this.sizeMs })
      start += this.advanceMs
    }
    return windows
  }
}

/**
 * Windows of a fixed time difference that slide with the records: each window holds records at most
 * `timeDifferenceMs` apart, both ends inclusive.
 */
export class SlidingWindows {
  readonly kind = 'sliding'

  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {
    check(timeDifferenceMs > 0, `time difference must be positive, got ${timeDifferenceMs}`)
    check(graceMs >= 0, `grace must not be negative, got ${graceMs}`)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(timeDifferenceMs, graceMs)
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return new SlidingWindows(timeDifferenceMs, 0)
  }
}

/** Sessions of activity: records closer than the inactivity gap fall in one session. */
export class SessionWindows {
  readonly kind = 'session'

  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {
    check(inactivityGapMs > 0, `inactivity gap must be positive, got ${inactivityGapMs}`)
    check(graceMs >= 0, `grace must not be negative, got ${graceMs}`)
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(inactivityGapMs, graceMs)
  }

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return new SessionWindows(inactivityGapMs, 0)
  }
}

/**
 * The time bounds of a stream-stream join, as Kafka Streams' JoinWindows: a left record at time t joins
 * right records in [t - before, t + after]. Left and outer results for records that found no partner
 * wait until the window closes (stream time passes t + after + grace on the left side, t + before +
 * grace on the right), so a partner arriving late within the window gets joined instead (KIP-633).
 */
export class JoinWindows {
  readonly kind = 'join'

  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    check(
      beforeMs + afterMs >= 0,
      `window interval (before + after) must not be negative, got ${beforeMs + afterMs}`,
    )
    check(graceMs >= 0, `grace must not be negative, got ${graceMs}`)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    check(timeDifferenceMs >= 0, `time difference must not be negative, got ${timeDifferenceMs}`)
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs)
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  /** How far back a left record looks for right records; may be negative if `after` covers it. */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(timeDifferenceMs, this.afterMs, this.graceMs)
  }

  /** How far forward a left record looks for right records; may be negative if `before` covers it. */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, timeDifferenceMs, this.graceMs)
  }

  get sizeMs(): number {
    return this.beforeMs + this.afterMs
  }
}
