import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'

/** What a full suppression buffer does, as Kafka Streams' BufferFullStrategy. */
export type BufferFullStrategy = 'emitEarlyWhenFull' | 'shutDownWhenFull'

/**
 * Bounds of a suppression buffer, as Kafka Streams' `Suppressed.BufferConfig`: at most `maxRecords`
 * keys and `maxBytes` bytes (Kafka's estimate of an entry: its key, values and record context); when
 * either is passed, emit the oldest entries early or stop the instance.
 */
export class BufferConfig {
  private constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
    readonly whenFull: BufferFullStrategy,
  ) {
    for (const [what, n] of [
      ['maxRecords', maxRecords],
      ['maxBytes', maxBytes],
    ] as const) {
      if (!(n === Number.POSITIVE_INFINITY || (Number.isSafeInteger(n) && n >= 0))) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.INVALID_CONFIG,
          `BufferConfig ${what} must be a non-negative integer, got ${n}`,
        )
      }
    }
  }

  /** No bound: the buffer grows as needed (Kafka's `unbounded()`, which would shut down when full). */
  static unbounded(): BufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 'shutDownWhenFull')
  }

  /** At most this many keys; emits early when full unless told otherwise. */
  static maxRecords(recordLimit: number): BufferConfig {
    return new BufferConfig(recordLimit, Number.POSITIVE_INFINITY, 'emitEarlyWhenFull')
  }

  /** At most this many bytes; emits early when full unless told otherwise. */
  static maxBytes(byteLimit: number): BufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, byteLimit, 'emitEarlyWhenFull')
  }

  withMaxRecords(recordLimit: number): BufferConfig {
    return new BufferConfig(recordLimit, this.maxBytes, this.whenFull)
  }

  withMaxBytes(byteLimit: number): BufferConfig {
    return new BufferConfig(this.maxRecords, byteLimit, this.whenFull)
  }

  withNoBound(): BufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 'shutDownWhenFull')
  }

  /** When full, emit the oldest entries before their time: results may not be final. */
  emitEarlyWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'emitEarlyWhenFull')
  }

  /** When full, fail (the instance stops, as Kafka's StreamsException stops its thread). */
  shutDownWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'shutDownWhenFull')
  }
}

/**
 * How a table's updates are held back, as Kafka Streams' `Suppressed`: until a windowed table's window
 * closes (final results only), or until a time limit has passed since a key was first buffered (rate
 * limiting: the latest update of a key is emitted then).
 */
export type Suppressed =
  | { readonly kind: 'untilWindowCloses'; readonly buffer: BufferConfig; readonly name?: string }
  | {
      readonly kind: 'untilTimeLimit'
      readonly timeToWaitMs: number
      readonly buffer: BufferConfig
      readonly name?: string
    }

export const Suppressed = {
  /**
   * Emits each window's final result once, when stream time passes its end plus grace. The buffer must
   * not emit early (Kafka's StrictBufferConfig): unbounded, or bounded and shutting down when full. A
   * string is the processor's name (and the buffer unbounded).
   */
  untilWindowCloses(buffer: BufferConfig | string = BufferConfig.unbounded(), name?: string): Suppressed {
    if (typeof buffer === 'string')
      return { kind: 'untilWindowCloses', buffer: BufferConfig.unbounded(), name: buffer }
    if (buffer.whenFull === 'emitEarlyWhenFull') {
      throw new StreamsError(
        STREAMS_ERROR_CODES.INVALID_CONFIG,
        'Suppressed.untilWindowCloses needs a buffer that never emits early: BufferConfig.unbounded() or one with shutDownWhenFull()',
      )
    }
    return name === undefined
      ? { kind: 'untilWindowCloses', buffer }
      : { kind: 'untilWindowCloses', buffer, name }
  },

  /**
   * Holds each key's updates until stream time reaches the time its first buffered update came plus
   * `timeToWaitMs`, then emits its latest update; a bounded buffer emits early or stops when full.
   */
  untilTimeLimit(timeToWaitMs: number, buffer: BufferConfig, name?: string): Suppressed {
    if (!Number.isSafeInteger(timeToWaitMs) || timeToWaitMs < 0) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.INVALID_CONFIG,
        `Suppressed.untilTimeLimit needs a non-negative whole number of milliseconds, got ${timeToWaitMs}`,
      )
    }
    return name === undefined
      ? { kind: 'untilTimeLimit', timeToWaitMs, buffer }
      : { kind: 'untilTimeLimit', timeToWaitMs, buffer, name }
  },
} as const
