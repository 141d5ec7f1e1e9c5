import type { DeadLetter, FailureStage, Geofence, MachinePing, MachinePosition } from '@oxagry/avro'
import { Serdes, withValueSerde } from '@oxagry/kafka'
import {
  SessionWindows,
  Stores,
  StreamsBuilder,
  Suppressed,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
  type Topology,
} from '@oxagry/streams'
import { deadLetterRecord } from '@oxagry/topics'
import { TRACKING_ERROR_CODES } from './errors.ts'
import { resolveTrackingOptions, type ResolvedTrackingOptions, type TrackingOptions } from './options.ts'
import { geofencesAt, nextPosition, transitionsOf, type PositionUpdate } from './positions.ts'
import { pingTimestampExtractor, receivedPingSerde, type ReceivedPing } from './received.ts'
import { activityOf, addPing, mergeSessions, toMachineSession, type SessionAggregate } from './sessions.ts'
import { accept, checkPing, type GuardState } from './validation.ts'

/** Store names; each is also its changelog topic `<applicationId>-<store>-changelog`. */
export const TRACKING_STORES = {
  /** Per machine: recent accepted pingIds and the newest accepted fix. */
  guard: 'ping-guard',
  /** Per machine: the latest position, the table behind the positions topic. */
  positions: 'machine-positions',
  /** Session windows per machine and activity. */
  sessions: 'machine-sessions',
  sessionsSuppress: 'machine-sessions-suppress',
  /** The global geofence table. */
  geofences: 'geofences',
} as const

/** A validated ping, or the dead letter of a refused one. */
export type Checked =
  | { readonly kind: 'accepted'; readonly ping: MachinePing }
  | { readonly kind: 'rejected'; readonly deadLetter: DeadLetter }

const S = Serdes.String()

/** The processors' own stores, typed: `getStateStore(spec)` is each one's store type. */
const GUARD_STORE = Stores.inMemoryKeyValueStore(TRACKING_STORES.guard, {
  keySerde: S,
  valueSerde: Serdes.Json<GuardState>(),
})
const POSITIONS_STORE = Stores.inMemoryKeyValueStore(TRACKING_STORES.positions, {
  keySerde: S,
  valueSerde: Serdes.Json<MachinePosition>(),
})

const isAccepted = (_key: string, v: Checked): v is Extract<Checked, { kind: 'accepted' }> =>
  v.kind === 'accepted'

function guardProcessor(
  options: ResolvedTrackingOptions,
): () => Processor<string, ReceivedPing | null, string, Checked> {
  return () => {
    let ctx: ProcessorContext<string, Checked>
    let store: KeyValueStore<string, GuardState>
    const reject = (
      record: StreamRecord<string, ReceivedPing | null>,
      stage: FailureStage,
      errorCode: string,
      errorMessage: string,
    ): void => {
      const meta = ctx.recordMetadata()
      const topic = meta?.topic ?? options.topics.pings
      const partition = meta?.partition ?? -1
      const offset = meta?.offset ?? '-1'
      // The Kafka timestamp: wall-clock time would make a replay produce different dead letters.
      const sentAt = record.value?.receivedAt || record.timestamp
      const { key, value: deadLetter } = deadLetterRecord({
        application: ctx.applicationId,
        stage,
        topic,
        partition,
        offset,
        timestamp: sentAt,
        key: record.key === null ? null : Buffer.from(record.key),
        value: record.value?.bytes ?? null,
        headers: record.headers,
        errorCode,
        errorMessage,
      })
      ctx.forward({
        ...record,
        key,
        value: { kind: 'rejected', deadLetter },
      })
    }
    return {
      init(c) {
        ctx = c
        store = c.getStateStore(GUARD_STORE)
      },
      process(record) {
        const received = record.value
        if (received === null) {
          reject(
            record,
            'PROCESSING',
            TRACKING_ERROR_CODES.PING_EMPTY,
            'a null value (tombstone) on the pings topic',
          )
          return
        }
        if (received.ping === undefined) {
          const failure = received.failure ?? { code: 'OXA_TRACKING_UNREADABLE', message: 'unreadable' }
          reject(record, 'DESERIALIZATION', failure.code, failure.message)
          return
        }
        const ping = received.ping
        const state = record.key === null ? undefined : store.get(record.key)
        const refusal = checkPing(record.key, ping, received.receivedAt, state, options.validation)
        if (refusal !== undefined) {
          reject(record, 'PROCESSING', refusal.code, refusal.message)
          return
        }
        store.put(record.key, accept(state, ping, options.validation))
        ctx.forward({ ...record, value: { kind: 'accepted', ping } })
      },
    }
  }
}

function positionProcessor(
  geofenceStore: string,
): () => Processor<string, MachinePing, string, PositionUpdate> {
  return () => {
    let ctx: ProcessorContext<string, PositionUpdate>
    let positions: KeyValueStore<string, MachinePosition>
    let geofences: KeyValueStore<string, Geofence>
    return {
      init(c) {
        ctx = c
        positions = c.getStateStore(POSITIONS_STORE)
        geofences = c.getStateStore(geofenceStore)
      },
      process(record) {
        const ping = record.value
        const previous = positions.get(record.key)
        const update = nextPosition(previous, ping, geofencesAt(geofences, ping))
        if (update === undefined) return
        positions.put(record.key, update.position)
        ctx.forward({ ...record, value: update })
      },
    }
  }
}

/**
 * Keys each fix by machine and activity for the session windows. Done in a processor, not `selectKey`,
 * on purpose: the new key holds the machine id, so the records already sit on the right partition and
 * a repartition topic would only cost a round trip. Fixes later than the grace are dropped here (and
 * counted), because one that bridged into a session already emitted would make it emit twice.
 */
/** The session key suffix of engine-off fixes: their sessions hold nothing and emit nothing. */
const ENGINE_OFF = 'OFF'

function sessionKeyProcessor(
  options: ResolvedTrackingOptions,
): () => Processor<string, MachinePing, string, MachinePing> {
  return () => {
    let ctx: ProcessorContext<string, MachinePing>
    return {
      init(c) {
        ctx = c
      },
      process(record) {
        const kind = activityOf(record.value, options.sessions.movingSpeedKmh) ?? ENGINE_OFF
        if (ctx.currentStreamTimeMs() - record.timestamp >= options.sessions.graceMs) {
          ctx.recordDropped('fix later than the session grace period')
          return
        }
        // An engine-off fix starts no session, but it still goes to the aggregation: as in Kafka Streams,
        // the aggregation and suppress move their stream time only by the records that reach them, and
        // that time is what closes (and emits) the sessions before it.
        ctx.forward({ ...record, key: `${record.key}|${kind}` })
      },
    }
  }
}

/**
 * The tracking topology: validation with dead letters, latest positions, geofence transitions, and
 * trips and idle periods emitted once when their session closes. Serdes are injected, so the test
 * driver runs it with an in-memory registry and production with the Confluent one.
 */
export function buildTrackingTopology(input: TrackingOptions): Topology {
  const options = resolveTrackingOptions(input)
  const t = options.descriptors
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  const geofences = builder.globalTable(t.geofences, {}, { storeName: TRACKING_STORES.geofences })
  builder.addStateStore(GUARD_STORE).addStateStore(POSITIONS_STORE)

  const branches = builder
    .stream<string, ReceivedPing | null>(withValueSerde(t.pings, receivedPingSerde(t.pings.valueSerde)), {
      timestampExtractor: pingTimestampExtractor(options.validation.maxFutureMs),
    })
    .process(guardProcessor(options), GUARD_STORE)
    .split({ name: 'tracking' })
    .branch(isAccepted, 'accepted')
    .defaultBranch('rejected')
  branches
    .get('tracking-rejected')
    .mapValues((v) => v.deadLetter)
    .to(t.deadLetters)
  const accepted = branches.get('tracking-accepted').mapValues((v) => v.ping)
  // Every accepted ping once, in order per machine: with the dead letters, every raw ping is accounted for.
  accepted.to(t.accepted)

  const updates = accepted.process(positionProcessor(geofences.storeName), POSITIONS_STORE)
  updates.mapValues((u) => u.position).to(t.positions)
  updates.flatMapValues(transitionsOf).to(t.transitions)

  const { inactivityGapMs, graceMs } = options.sessions
  accepted
    .process(sessionKeyProcessor(options))
    .groupByKey({ keySerde: S })
    // A session closes (and is emitted) at its end + gap + grace, as in Kafka Streams.
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, graceMs))
    .aggregate<SessionAggregate | null>(
      () => null,
      (key, ping, agg) =>
        key.endsWith(`|${ENGINE_OFF}`) ? null : addPing(agg, ping, key.endsWith('|TRIP') ? 'TRIP' : 'IDLE'),
      (_key, a, b) => mergeSessions(a, b),
      { storeName: TRACKING_STORES.sessions, valueSerde: Serdes.Json() },
    )
    .suppress(Suppressed.untilWindowCloses(TRACKING_STORES.sessionsSuppress))
    .toStream()
    .flatMap((_windowed, agg) =>
      agg === null ? [] : [{ key: agg.machineId as string, value: toMachineSession(agg) }],
    )
    .to(t.sessions)

  return builder.build()
}
