import { Serdes, type Serde } from '@oxagry/kafka'
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { StreamRecord } from '../record.ts'
import type { KeyValueStore } from '../state/store.ts'
import { deserializeSync, serializeSync } from '../state/sync-serde.ts'
import type { BuilderContext } from './builder-context.ts'
import type { KStream, StreamState } from './kstream.ts'
import type { StreamJoined } from './options.ts'
import type { JoinWindows } from './windows.ts'

/**
 * A stream-stream joiner, Kafka's ValueJoinerWithKey with the key last, so a two-argument ValueJoiner
 * fits too; either value may be null in left and outer joins.
 */
export type ValueJoinerWithKey<K, V1, V2, R> = (value: V1, otherValue: V2, key: K) => R

export const StreamJoinKind = { INNER: 'inner', LEFT: 'left', OUTER: 'outer' } as const
export type StreamJoinKind = (typeof StreamJoinKind)[keyof typeof StreamJoinKind]

const Side = { LEFT: 'left', RIGHT: 'right' } as const
type Side = (typeof Side)[keyof typeof Side]

/** Kafka's `Long.MAX_VALUE` as the smallest pending time when nothing is pending. */
const NO_MIN_TIME = Number.MAX_SAFE_INTEGER
const BUFFER = Serdes.Buffer()

/**
 * What the two sides of one join share within a task, as Kafka's `TimeTracker` (one per task, made by
 * the join's `TimeTrackerSupplier`): the join's stream time over both inputs, the smallest time among
 * pending left/outer records, the next processing time a sweep may run, and each window buffer's own
 * stream time (a window store's observed time in Kafka), which decides what has expired from it.
 */
interface SharedTime {
  streamTime: number
  minTime: number
  nextTimeToEmit: number
  readonly observed: Record<Side, number>
  readonly expiry: Record<Side, MinHeap>
  readonly loaded: Record<Side, boolean>
}

/** Pending expiries of a window buffer, smallest time first. */
class MinHeap {
  private readonly items: { time: number; key: Buffer }[] = []

  push(time: number, key: Buffer): void {
    const items = this.items
    items.push({ time, key })
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((items[parent] as { time: number }).time <= time) break
      ;[items[i], items[parent]] = [
        items[parent] as { time: number; key: Buffer },
        items[i] as { time: number; key: Buffer },
      ]
      i = parent
    }
  }

  /** Removes and returns every entry at or below the time. */
  popUpTo(time: number): Buffer[] {
    const out: Buffer[] = []
    while (this.items.length > 0 && (this.items[0] as { time: number }).time <= time) {
      const top = this.items[0] as { time: number; key: Buffer }
      const last = this.items.pop() as { time: number; key: Buffer }
      if (this.items.length > 0) {
        this.items[0] = last
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          const r = l + 1
          let smallest = i
          if (
            l < this.items.length &&
            (this.items[l] as { time: number }).time < (this.items[smallest] as { time: number }).time
          )
            smallest = l
          if (
            r < this.items.length &&
            (this.items[r] as { time: number }).time < (this.items[smallest] as { time: number }).time
          )
            smallest = r
          if (smallest === i) break
          ;[this.items[i], this.items[smallest]] = [
            this.items[smallest] as { time: number; key: Buffer },
            this.items[i] as { time: number; key: Buffer },
          ]
          i = smallest
        }
      }
      out.push(top.key)
    }
    return out
  }
}

/** A window buffer's key: the record key's bytes (length first, so one key's entries are contiguous), then its time. */
function bufferKey(keyBytes: Buffer, timestamp: number): Buffer {
  const out = Buffer.alloc(4 + keyBytes.length + 8)
  out.writeUInt32BE(keyBytes.length, 0)
  keyBytes.copy(out, 4)
  out.writeBigInt64BE(BigInt(timestamp), 4 + keyBytes.length)
  return out
}

function bufferKeyTime(key: Buffer): number {
  return Number(key.readBigInt64BE(key.length - 8))
}

/**
 * The shared store's key, as Kafka's `TimestampedKeyAndJoinSide` serializes it: time, side (right 0,
 * left 1), key bytes; its store iterates in that byte order, so pending records leave by time, right
 * before left, then key.
 */
function sharedKey(timestamp: number, side: Side, keyBytes: Buffer): Buffer {
  const out = Buffer.alloc(9 + keyBytes.length)
  out.writeBigInt64BE(BigInt(timestamp), 0)
  out.writeUInt8(side === Side.LEFT ? 1 : 0, 8)
  keyBytes.copy(out, 9)
  return out
}

/** Values kept under one key: duplicates are kept in arrival order, as a store retaining duplicates does. */
function appendValue(list: Buffer | undefined, value: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(value.length, 0)
  return Buffer.concat([...(list === undefined ? [] : [list]), head, value])
}

function values(list: Buffer): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  while (at < list.length) {
    const length = list.readUInt32BE(at)
    out.push(list.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  return out
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined
}

interface SideSpec {
  readonly side: Side
  readonly windowedName: string
  readonly joinName: string
  /** This side's window buffer (written by its windowed processor, read by the other side's join). */
  readonly storeName: string
  readonly valueSerde: Serde<unknown>
  /** Whether this side's records that find no partner are emitted (with null for the other side). */
  readonly outer: boolean
  readonly beforeMs: number
  readonly afterMs: number
}

/**
 * A stream-stream windowed join, built as Kafka Streams 4.x builds it (KStreamImplJoin): each side
 * goes through a windowed processor that keeps its records in a window buffer, then through a join
 * processor that looks up the other side's buffer; a merge node unites both. Left and outer joins add
 * a shared store of records that found no partner yet, emitted only when their window has closed.
 */
export function streamStreamJoin<K, V1, V2, R>(
  ctx: BuilderContext,
  leftIn: KStream<K, V1>,
  rightIn: KStream<K, V2>,
  joiner: ValueJoinerWithKey<K, V1 | null, V2 | null, R>,
  windows: JoinWindows,
  kind: StreamJoinKind,
  joined: StreamJoined<K, V1, V2>,
  create: (state: StreamState<K, R>) => KStream<K, R>,
): KStream<K, R> {
  const leftOuter = kind !== StreamJoinKind.INNER
  const rightOuter = kind === StreamJoinKind.OUTER
  const base = joined.name
  const left = leftIn.state.repartitionRequired
    ? leftIn.repartition({
        name: `${base ?? leftIn.state.node}-left`,
        ...(joined.keySerde === undefined ? {} : { keySerde: joined.keySerde }),
        ...(joined.valueSerde === undefined ? {} : { valueSerde: joined.valueSerde }),
      })
    : leftIn
  const right = rightIn.state.repartitionRequired
    ? rightIn.repartition({
        name: `${base ?? rightIn.state.node}-right`,
        ...(joined.keySerde === undefined ? {} : { keySerde: joined.keySerde }),
        ...(joined.otherValueSerde === undefined ? {} : { valueSerde: joined.otherValueSerde }),
      })
    : rightIn

  // Names in Kafka's order, so generated store (and changelog) names match its.
  const thisSuffix = rightOuter ? '-outer-this-join' : '-this-join'
  const otherSuffix = leftOuter ? '-outer-other-join' : '-other-join'
  const leftWindowed = base === undefined ? ctx.newName('KSTREAM-WINDOWED-') : `${base}-this-windowed`
  const rightWindowed = base === undefined ? ctx.newName('KSTREAM-WINDOWED-') : `${base}-other-windowed`
  const thisPrefix = rightOuter ? 'KSTREAM-OUTERTHIS-' : 'KSTREAM-JOINTHIS-'
  const thisGenerated = ctx.newName(thisPrefix)
  const otherGenerated = ctx.newName(leftOuter ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-')
  const joinThis = base === undefined ? thisGenerated : `${base}${thisSuffix}`
  const joinOther = base === undefined ? otherGenerated : `${base}${otherSuffix}`
  const merge = base === undefined ? ctx.newName('KSTREAM-MERGE-') : `${base}-merge`
  const store = joined.storeName
  const leftStoreName = `${store === undefined ? thisGenerated : store + thisSuffix}-store`
  const rightStoreName = `${store === undefined ? otherGenerated : store + otherSuffix}-store`
  const sharedStoreName = leftOuter
    ? `${
        store === undefined
          ? `KSTREAM-OUTERSHARED-${thisGenerated.slice(thisPrefix.length)}`
          : store + (rightOuter ? '-outer-shared-join' : '-left-shared-join')
      }-store`
    : undefined

  const keySerde = ctx.requireSerde(
    (joined.keySerde ?? left.state.keySerde) as Serde<unknown> | undefined,
    'key',
    joinThis,
    'set StreamJoined.keySerde or read the topic with a key serde',
  )
  const leftSpec: SideSpec = {
    side: Side.LEFT,
    windowedName: leftWindowed,
    joinName: joinThis,
    storeName: leftStoreName,
    valueSerde: ctx.requireSerde(
      (joined.valueSerde ?? left.state.valueSerde) as Serde<unknown> | undefined,
      'value',
      joinThis,
      'set StreamJoined.valueSerde or read the topic with a value serde',
    ),
    outer: leftOuter,
    beforeMs: windows.beforeMs,
    afterMs: windows.afterMs,
  }
  const rightSpec: SideSpec = {
    side: Side.RIGHT,
    windowedName: rightWindowed,
    joinName: joinOther,
    storeName: rightStoreName,
    valueSerde: ctx.requireSerde(
      (joined.otherValueSerde ?? right.state.valueSerde) as Serde<unknown> | undefined,
      'value',
      joinOther,
      'set StreamJoined.otherValueSerde or read the topic with a value serde',
    ),
    outer: rightOuter,
    // The other side looks the other way: a right record at t joins left records in [t - after, t + before].
    beforeMs: windows.afterMs,
    afterMs: windows.beforeMs,
  }
  const retentionMs = windows.sizeMs + windows.graceMs
  const emitIntervalMs = joined.outerJoinEmitIntervalMs ?? 0
  // One per task instance, found through the task's own left buffer (every processor of the join is
  // connected to it): two instances of a task in one process (a handover) never share one.
  const shared = new WeakMap<object, SharedTime>()
  const sharedFor = (context: ProcessorContext<unknown, unknown>): SharedTime => {
    const task = context.getStateStore(leftStoreName)
    let time = shared.get(task)
    if (time === undefined) {
      time = {
        streamTime: -1,
        minTime: NO_MIN_TIME,
        nextTimeToEmit: 0,
        observed: { left: -1, right: -1 },
        expiry: { left: new MinHeap(), right: new MinHeap() },
        loaded: { left: false, right: false },
      }
      shared.set(task, time)
    }
    return time
  }
  const storeSpec = (name: string) =>
    ctx.storeSpec(
      'keyValue',
      {
        storeName: name,
        ...(joined.storeType === undefined ? {} : { storeType: joined.storeType }),
        ...(joined.logging === undefined ? {} : { logging: joined.logging }),
        ...(joined.changelogConfig === undefined ? {} : { changelogConfig: joined.changelogConfig }),
      },
      name,
      { keySerde: BUFFER as Serde<unknown>, valueSerde: BUFFER as Serde<unknown> },
    )

  const windowed = (spec: SideSpec): ProcessorSupplier<K, unknown, K, unknown> => {
    return () => {
      let context: ProcessorContext<K, unknown>
      let buffer: KeyValueStore<Buffer, Buffer>
      let time: SharedTime
      return {
        init(c) {
          context = c
          buffer = c.getStateStore(spec.storeName)
          time = sharedFor(c as ProcessorContext<unknown, unknown>)
          // After a restart the buffer is restored but its stream time and expiry order are not: read them back.
          if (!time.loaded[spec.side]) {
            time.loaded[spec.side] = true
            for (const { key } of buffer.all()) {
              const at = bufferKeyTime(key)
              time.observed[spec.side] = Math.max(time.observed[spec.side], at)
              time.expiry[spec.side].push(at, key)
            }
          }
        },
        process(record) {
          // Kafka's KStreamJoinWindow forwards first, then keeps the record: the join never sees its own side's record.
          context.forward(record)
          if (isMissing(record.key)) return
          const observed = Math.max(time.observed[spec.side], record.timestamp)
          time.observed[spec.side] = observed
          for (const key of time.expiry[spec.side].popUpTo(observed - retentionMs)) buffer.delete(key)
          // A store retaining duplicates ignores a null value; a record past the retention is dropped.
          if (isMissing(record.value) || record.timestamp <= observed - retentionMs) return
          const keyBytes = serializeSync(keySerde, spec.storeName, record.key, spec.storeName)
          const at = bufferKey(keyBytes, record.timestamp)
          const previous = buffer.get(at)
          if (previous === undefined) time.expiry[spec.side].push(record.timestamp, at)
          buffer.put(
            at,
            appendValue(
              previous,
              serializeSync(spec.valueSerde, spec.storeName, record.value, spec.storeName),
            ),
          )
        },
      } satisfies Processor<K, unknown, K, unknown>
    }
  }

  const join = (self: SideSpec, other: SideSpec): ProcessorSupplier<K, unknown, K, R> => {
    const isLeft = self.side === Side.LEFT
    const apply = (key: K, mine: unknown, theirs: unknown): R =>
      isLeft
        ? joiner(mine as V1 | null, theirs as V2 | null, key)
        : joiner(theirs as V1 | null, mine as V2 | null, key)
    return () => {
      let context: ProcessorContext<K, R>
      let otherBuffer: KeyValueStore<Buffer, Buffer>
      let pending: KeyValueStore<Buffer, Buffer> | undefined
      let time: SharedTime

      const emitNonJoined = (record: StreamRecord<K, unknown>): void => {
        const store = pending as KeyValueStore<Buffer, Buffer>
        // Kafka adds to Long.MAX_VALUE here when nothing is pending: a positive sum overflows, so the
        // (empty) store is swept anyway and the throttle below is spent. Keep that, it shows in outputs.
        const lookAhead = self.afterMs + windows.graceMs
        const nothingDue =
          time.minTime === NO_MIN_TIME ? lookAhead <= 0 : time.minTime + lookAhead >= time.streamTime
        if (nothingDue) return
        const now = context.currentSystemTimeMs()
        if (now < time.nextTimeToEmit) return
        time.nextTimeToEmit = now + emitIntervalMs
        time.minTime = NO_MIN_TIME
        const emitted: Buffer[] = []
        let leftOpen = false
        let rightOpen = false
        for (const { key, value } of store.all()) {
          const at = Number(key.readBigInt64BE(0))
          const pendingLeft = key.readUInt8(8) === 1
          time.minTime = at
          if (leftOpen && rightOpen) break
          // A left record waits for right records up to `after` later; a right one, up to `before`.
          const lookBack = pendingLeft ? windows.afterMs : windows.beforeMs
          if (at + lookBack + windows.graceMs >= time.streamTime) {
            if (pendingLeft) leftOpen = true
            else rightOpen = true
            continue
          }
          const pendingKey = deserializeSync(keySerde, store.name, key.subarray(9), store.name) as K
          const serde = pendingLeft ? leftSpec.valueSerde : rightSpec.valueSerde
          for (const bytes of values(value)) {
            const v = deserializeSync(serde, store.name, bytes, store.name)
            const out = pendingLeft ? joiner(v as V1, null, pendingKey) : joiner(null, v as V2, pendingKey)
            context.forward({ ...record, key: pendingKey, value: out, timestamp: at })
          }
          emitted.push(key)
        }
        for (const key of emitted) store.delete(key)
      }

      return {
        init(c) {
          context = c
          otherBuffer = c.getStateStore(other.storeName)
          if (sharedStoreName !== undefined)
            pending = c.getStateStore<KeyValueStore<Buffer, Buffer>>(sharedStoreName)
          time = sharedFor(c as ProcessorContext<unknown, unknown>)
        },
        process(record) {
          const ts = record.timestamp
          time.streamTime = Math.max(time.streamTime, ts)
          // KIP-962: an outer side's record without a key joins nothing, so it leaves at once.
          if (self.outer && isMissing(record.key) && !isMissing(record.value)) {
            context.forward({ ...record, value: apply(record.key, record.value, null) })
            return
          }
          if (isMissing(record.key) || isMissing(record.value)) {
            context.recordDropped('null key or value in a stream-stream join')
            return
          }
          if (pending !== undefined && ts === time.streamTime) emitNonJoined(record)
          const timeFrom = Math.max(0, ts - self.beforeMs)
          const timeTo = Math.max(0, ts + self.afterMs)
          // The other buffer holds what its own stream time has not expired.
          const from = Math.max(timeFrom, time.observed[other.side] - retentionMs + 1)
          const keyBytes = serializeSync(keySerde, other.storeName, record.key, other.storeName)
          let matched = false
          if (from <= timeTo) {
            for (const { key, value } of [
              ...otherBuffer.range(bufferKey(keyBytes, from), bufferKey(keyBytes, timeTo)),
            ]) {
              const at = bufferKeyTime(key)
              for (const bytes of values(value)) {
                matched = true
                // The other record found a partner: it no longer waits as a left/outer result.
                if (pending !== undefined) pending.delete(sharedKey(at, other.side, keyBytes))
                const theirs = deserializeSync(other.valueSerde, other.storeName, bytes, other.storeName)
                context.forward({
                  ...record,
                  value: apply(record.key, record.value, theirs),
                  timestamp: Math.max(ts, at),
                })
              }
            }
          }
          if (!self.outer || matched) return
          // A record whose window has already closed (it came late) leaves at once; others wait in the shared store.
          if (pending === undefined || timeTo < time.streamTime) {
            context.forward({ ...record, value: apply(record.key, record.value, null) })
            return
          }
          time.minTime = Math.min(time.minTime, ts)
          const at = sharedKey(ts, self.side, keyBytes)
          pending.put(
            at,
            appendValue(
              pending.get(at),
              serializeSync(
                self.valueSerde,
                sharedStoreName as string,
                record.value,
                sharedStoreName as string,
              ),
            ),
          )
        },
      } satisfies Processor<K, unknown, K, R>
    }
  }

  const topology = ctx.topology
  topology.addProcessor(leftWindowed, windowed(leftSpec), left.state.node)
  topology.addProcessor(rightWindowed, windowed(rightSpec), right.state.node)
  topology.addProcessor(joinThis, join(leftSpec, rightSpec), leftWindowed)
  topology.addProcessor(joinOther, join(rightSpec, leftSpec), rightWindowed)
  topology.addProcessor(
    merge,
    () => {
      let context: ProcessorContext<K, R>
      return {
        init(c: ProcessorContext<K, R>) {
          context = c
        },
        process(record: StreamRecord<K, R>) {
          context.forward(record)
        },
      }
    },
    joinThis,
    joinOther,
  )
  topology.addStateStore(storeSpec(leftStoreName), leftWindowed, joinOther)
  topology.addStateStore(storeSpec(rightStoreName), rightWindowed, joinThis)
  topology.connectProcessorAndStateStores([rightWindowed, leftStoreName], [joinThis, leftStoreName])
  if (sharedStoreName !== undefined) topology.addStateStore(storeSpec(sharedStoreName), joinThis, joinOther)
  topology.requireCopartitioned(joinThis, [...left.state.sourceTopics, ...right.state.sourceTopics])
  const resultKeySerde = joined.keySerde ?? left.state.keySerde
  return create({
    node: merge,
    repartitionRequired: false,
    sourceTopics: [...left.state.sourceTopics, ...right.state.sourceTopics],
    ...(resultKeySerde === undefined ? {} : { keySerde: resultKeySerde }),
  })
}
