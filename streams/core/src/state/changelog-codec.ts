import type { MaybePromise, Serde } from '@oxagry/kafka'
import { ChangelogKeys, type ChangelogEntry } from './changelog.ts'
import type { ManagedStore } from './factory.ts'

export interface ChangelogRecord {
  readonly key: Buffer
  readonly value: Buffer | null
}

const NO_HEADERS = {}

function join<A, B, R>(a: MaybePromise<A>, b: MaybePromise<B>, fn: (a: A, b: B) => R): MaybePromise<R> {
  if (a instanceof Promise || b instanceof Promise) return Promise.all([a, b]).then(([x, y]) => fn(x, y))
  return fn(a, b)
}

/** A store change as changelog bytes, framed as Kafka Streams frames window and session keys. */
export function encodeChange(
  entry: ChangelogEntry,
  topic: string,
  keySerde: Serde<unknown>,
  valueSerde: Serde<unknown>,
): MaybePromise<ChangelogRecord> {
  const value: MaybePromise<Buffer | null> =
    entry.value === null ? null : valueSerde.serialize(topic, entry.value, NO_HEADERS)
  switch (entry.kind) {
    case 'keyValue':
      return join(keySerde.serialize(topic, entry.key, NO_HEADERS), value, (key, v) => ({ key, value: v }))
    case 'window':
      return join(keySerde.serialize(topic, entry.key, NO_HEADERS), value, (key, v) => ({
        key: ChangelogKeys.window(key, entry.windowStart),
        value: v,
      }))
    case 'session':
      return join(keySerde.serialize(topic, entry.session.key, NO_HEADERS), value, (key, v) => ({
        key: ChangelogKeys.session(key, entry.session.window.start, entry.session.window.end),
        value: v,
      }))
  }
}

/** Applies one changelog record to a store, without logging it again. */
export async function restoreChange(
  store: ManagedStore,
  topic: string,
  record: ChangelogRecord,
  keySerde: Serde<unknown>,
  valueSerde: Serde<unknown>,
): Promise<void> {
  const value = record.value === null ? null : await valueSerde.deserialize(topic, record.value, NO_HEADERS)
  switch (store.kind) {
    case 'keyValue':
      store.restore(await keySerde.deserialize(topic, record.key, NO_HEADERS), value)
      return
    case 'window': {
      const { keyBytes, windowStart } = ChangelogKeys.parseWindow(record.key)
      store.restore(await keySerde.deserialize(topic, keyBytes, NO_HEADERS), value, windowStart)
      return
    }
    case 'session': {
      const { keyBytes, start, end } = ChangelogKeys.parseSession(record.key)
      const key = await keySerde.deserialize(topic, keyBytes, NO_HEADERS)
      store.restore({ key, window: { start, end } }, value)
      return
    }
  }
}
