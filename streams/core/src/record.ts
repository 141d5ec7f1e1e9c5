import type { RecordHeaders } from '@oxagry/kafka'

/** A record as processors see it: typed key and value, event time and headers. */
export interface StreamRecord<K, V> {
  readonly key: K
  readonly value: V
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/** Where the record being processed came from. */
export interface RecordMetadata {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

export interface KeyValue<K, V> {
  readonly key: K
  readonly value: V
}

export function keyValue<K, V>(key: K, value: V): KeyValue<K, V> {
  return { key, value }
}

/** A table update: the new value and the one it replaces (null for an insert or a delete). */
export interface Change<V> {
  readonly newValue: V | null
  readonly oldValue: V | null
}

/** A time window, `start` inclusive and `end` exclusive (session windows: both inclusive). */
export interface Window {
  readonly start: number
  readonly end: number
}

/** A key within a window: what windowed aggregations key their results by. */
export interface Windowed<K> {
  readonly key: K
  readonly window: Window
}
