import type { Windowed } from '../record.ts'

/** A change a store made since the last flush, still typed: serialized when the changelog is sent. */
export type ChangelogEntry =
  | { readonly kind: 'keyValue'; readonly key: unknown; readonly value: unknown }
  | { readonly kind: 'window'; readonly key: unknown; readonly windowStart: number; readonly value: unknown }
  | { readonly kind: 'session'; readonly session: Windowed<unknown>; readonly value: unknown }

/**
 * The changes of one store since the last drain, latest per key: what Kafka Streams' caching layer
 * sends to the changelog at commit, so a key updated a thousand times between commits costs one record.
 */
export class ChangeBuffer {
  private entries = new Map<string, ChangelogEntry>()

  record(id: string, entry: ChangelogEntry): void {
    this.entries.delete(id)
    this.entries.set(id, entry)
  }

  get size(): number {
    return this.entries.size
  }

  drain(): ChangelogEntry[] {
    const drained = [...this.entries.values()]
    this.entries = new Map()
    return drained
  }
}

/** Changelog framing of window and session keys, as Kafka Streams writes them. */
export const ChangelogKeys = {
  /** Window store: key bytes, then the window start as an 8-byte big-endian long. */
  window(keyBytes: Buffer, windowStart: number): Buffer {
    const out = Buffer.allocUnsafe(keyBytes.length + 8)
    keyBytes.copy(out, 0)
    out.writeBigInt64BE(BigInt(windowStart), keyBytes.length)
    return out
  },
  parseWindow(bytes: Buffer): { keyBytes: Buffer; windowStart: number } {
    return {
      keyBytes: bytes.subarray(0, bytes.length - 8),
      windowStart: Number(bytes.readBigInt64BE(bytes.length - 8)),
    }
  },
  /** Session store: key bytes, the session end, then its start, 8 bytes each. */
  session(keyBytes: Buffer, start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(keyBytes.length + 16)
    keyBytes.copy(out, 0)
    out.writeBigInt64BE(BigInt(end), keyBytes.length)
    out.writeBigInt64BE(BigInt(start), keyBytes.length + 8)
    return out
  },
  parseSession(bytes: Buffer): { keyBytes: Buffer; start: number; end: number } {
    const n = bytes.length - 16
    return {
      keyBytes: bytes.subarray(0, n),
      end: Number(bytes.readBigInt64BE(n)),
      start: Number(bytes.readBigInt64BE(n + 8)),
    }
  },
} as const
