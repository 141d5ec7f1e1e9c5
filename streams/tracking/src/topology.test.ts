import test from 'ava'
import {
  InMemorySchemaRegistry,
  type DeadLetter,
  type Geofence,
  type GeofenceId,
  type GeofenceTransition,
  type MachineId,
  type MachinePing,
  type MachinePosition,
  type MachineSession,
} from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { TRACKING_ERROR_CODES } from './errors.ts'
import { DEFAULT_TRACKING_TOPICS as T, type TrackingSerdes } from './options.ts'
import { createTrackingSerdes } from './serdes.ts'
import { buildTrackingTopology, TRACKING_STORES } from './topology.ts'

const S = Serdes.String()
const T0 = 1_700_000_000_000
const M = 'JD-8R-00001' as MachineId
// A field of about 500 m × 500 m near Ames; the machine starts 1 km south of it.
const FIELD: Geofence = {
  geofenceId: 'gf-north' as GeofenceId,
  name: 'North field',
  kind: 'FIELD',
  boundary: [
    { latitude: 42.0, longitude: -93.6 },
    { latitude: 42.0, longitude: -93.594 },
    { latitude: 42.0045, longitude: -93.594 },
    { latitude: 42.0045, longitude: -93.6 },
  ],
  active: true,
  updatedAt: T0,
}

let serdes: TrackingSerdes
test.before(async () => {
  serdes = await createTrackingSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

let seq = 0
function ping(over: Partial<MachinePing> & { at: number }): MachinePing {
  seq++
  const { at, ...rest } = over
  return {
    pingId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    machineId: M,
    sequence: seq,
    eventTime: at,
    latitude: 41.99,
    longitude: -93.597,
    speedKmh: 0,
    headingDegrees: null,
    accuracyMeters: 2.5,
    engineState: 'IDLE',
    fuelLevelPercent: 80,
    ...rest,
  }
}

function setup(options: Partial<Parameters<typeof buildTrackingTopology>[0]> = {}) {
  const driver = new TopologyTestDriver(buildTrackingTopology({ serdes, ...options }), {
    applicationId: 'tracking-test',
  })
  const pings = driver.createInputTopic(T.pings, S, serdes.ping)
  const raw = driver.createInputTopic(T.pings, S, Serdes.Buffer())
  const geofences = driver.createInputTopic(T.geofences, S, serdes.geofence)
  const out = {
    positions: driver.createOutputTopic<string, MachinePosition>(T.positions, S, serdes.position),
    transitions: driver.createOutputTopic<string, GeofenceTransition>(T.transitions, S, serdes.transition),
    sessions: driver.createOutputTopic<string, MachineSession>(T.sessions, S, serdes.session),
    dead: driver.createOutputTopic<string, DeadLetter>(T.deadLetters, S, serdes.deadLetter),
    accepted: driver.createOutputTopic<string, MachinePing>(T.accepted, S, serdes.ping),
  }
  /** Pipes a ping sent at its own event time, unless told otherwise. */
  const send = (p: MachinePing, sentAt = p.eventTime, key: string = p.machineId) =>
    pings.pipeInput(key, p, sentAt)
  return { driver, pings, raw, geofences, out, send }
}

test('valid pings become positions; every kind of invalid ping becomes a dead letter with its reason', (t) => {
  const { driver, out, send, raw } = setup()
  const first = ping({ at: T0 })
  send(first)
  send(ping({ at: T0 + 5000, latitude: 95 }))
  send(ping({ at: T0 + 6000, speedKmh: -3 }))
  send(ping({ at: T0 + 7000 }), T0 + 7000, 'OTHER-KEY')
  send(ping({ at: T0 + 600_000 }), T0 + 8000)
  send(first, T0 + 9000)
  // 5 km in 10 s is 1800 km/h.
  send(ping({ at: T0 + 10_000, latitude: 41.945 }))
  raw.pipeInput(M, Buffer.from([7, 0, 0, 0, 1, 2]), T0 + 11_000)
  raw.pipeInput(M, null, T0 + 12_000)
  const ok = ping({ at: T0 + 20_000, latitude: 41.9901 })
  send(ok)

  const positions = out.positions.readKeyValuesToList()
  t.deepEqual(
    positions.map((p) => p.value.lastPingId),
    [first.pingId, ok.pingId],
  )
  const dead = out.dead.readRecordsToList()
  t.deepEqual(
    dead.map((d) => d.value.errorCode),
    [
      TRACKING_ERROR_CODES.PING_COORDINATES_OUT_OF_RANGE,
      TRACKING_ERROR_CODES.PING_INVALID_FIELD,
      TRACKING_ERROR_CODES.PING_INVALID_FIELD,
      TRACKING_ERROR_CODES.PING_FUTURE_EVENT_TIME,
      TRACKING_ERROR_CODES.PING_DUPLICATE,
      TRACKING_ERROR_CODES.PING_IMPOSSIBLE_JUMP,
      'OXA_AVRO_BAD_MAGIC_BYTE',
      TRACKING_ERROR_CODES.PING_EMPTY,
    ],
  )
  const envelope = dead[0]?.value as DeadLetter
  t.is(dead[0]?.key, `${T.pings}:0:1`)
  t.like(plain(envelope) as DeadLetter, {
    application: 'tracking-test',
    stage: 'PROCESSING',
    sourceTopic: T.pings,
    sourcePartition: 0,
    sourceOffset: 1,
    sourceTimestamp: T0 + 5000,
    retriable: false,
  })
  // The original bytes, untouched: decoding them gives the refused ping back.
  t.is((serdes.ping.deserialize(T.pings, envelope.value as Buffer, {}) as MachinePing).latitude, 95)
  t.deepEqual(envelope.key, Buffer.from(M))
  t.regex(dead[1]?.value.errorMessage ?? '', /speedKmh -3/)
  t.regex(dead[2]?.value.errorMessage ?? '', /differs from the record key/)
  t.is(dead[6]?.value.stage, 'DESERIALIZATION')
  t.deepEqual(dead[6]?.value.value, Buffer.from([7, 0, 0, 0, 1, 2]))
  t.is(dead[7]?.value.value, null)
  // Every input is accounted for: accepted once on the accepted topic, or a dead letter.
  const accepted = out.accepted.readKeyValuesToList()
  t.deepEqual(
    accepted.map((r) => [r.key, r.value.pingId]),
    [
      [M, first.pingId],
      [M, ok.pingId],
    ],
  )
  t.is(accepted.length + dead.length, 10)
  driver.close()
})

test('late and out-of-order pings are accepted but never move the position back', (t) => {
  const { driver, out, send } = setup()
  const a = ping({ at: T0 })
  const b = ping({ at: T0 + 5000, latitude: 41.9902 })
  const c = ping({ at: T0 + 10_000, latitude: 41.9904 })
  send(a)
  send(c)
  send(b, T0 + 11_000) // out of order
  const late = ping({ at: T0 - 120_000 })
  send(late, T0 + 12_000) // two minutes late
  t.deepEqual(
    out.positions.readValuesToList().map((p) => p.lastPingId),
    [a.pingId, c.pingId],
  )
  t.is(out.dead.readRecordsToList().length, 0)
  // The position stays put, but late and out-of-order pings are facts all the same.
  t.deepEqual(
    out.accepted.readValuesToList().map((p) => p.pingId),
    [a.pingId, c.pingId, b.pingId, late.pingId],
  )
  const stored = driver.getKeyValueStore<string, MachinePosition>(TRACKING_STORES.positions).get(M)
  t.is(stored?.lastPingId, c.pingId)
  // The late ones were remembered: resending them is a duplicate.
  send(b, T0 + 13_000)
  t.is(out.dead.readValuesToList()[0]?.errorCode, TRACKING_ERROR_CODES.PING_DUPLICATE)
  driver.close()
})

test('the dedup memory is bounded per machine', (t) => {
  const { driver, out, send } = setup({ validation: { dedupWindow: 3 } })
  const first = ping({ at: T0 })
  send(first)
  for (let i = 1; i <= 3; i++) send(ping({ at: T0 + i * 1000 }))
  send(first, T0 + 5000)
  t.is(out.dead.readRecordsToList().length, 0, 'forgotten after three newer pings')
  t.is(driver.getKeyValueStore<string, { recent: string[] }>(TRACKING_STORES.guard).get(M)?.recent.length, 3)
  driver.close()
})

test('entering and leaving a geofence from the global table raises transitions', (t) => {
  const { driver, out, send, geofences } = setup()
  geofences.pipeInput(FIELD.geofenceId, FIELD, T0)
  send(ping({ at: T0, latitude: 41.995, speedKmh: 10, engineState: 'RUNNING' }))
  const inside = ping({ at: T0 + 60_000, latitude: 42.001, speedKmh: 10, engineState: 'RUNNING' })
  send(inside)
  send(ping({ at: T0 + 65_000, latitude: 42.00105, speedKmh: 10, engineState: 'RUNNING' }))
  const outside = ping({ at: T0 + 120_000, latitude: 42.006, speedKmh: 10, engineState: 'RUNNING' })
  send(outside)
  const transitions = out.transitions.readValuesToList().map((v) => plain(v) as GeofenceTransition)
  t.deepEqual(
    transitions.map((x) => [x.direction, x.geofenceId, x.pingId]),
    [
      ['ENTERED', FIELD.geofenceId, inside.pingId],
      ['EXITED', FIELD.geofenceId, outside.pingId],
    ],
  )
  const positions = out.positions.readValuesToList()
  t.deepEqual(positions[1]?.geofenceIds, [FIELD.geofenceId])
  t.deepEqual(positions[3]?.geofenceIds, [])
  // Ids are derived from the ping and the geofence: reprocessing gives the same ones.
  t.regex(transitions[0]?.transitionId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-5/)
  driver.close()
})

test('an inactive geofence or a deleted one raises nothing', (t) => {
  const { driver, out, send, geofences } = setup()
  geofences.pipeInput(FIELD.geofenceId, { ...FIELD, active: false }, T0)
  send(ping({ at: T0, latitude: 42.001 }))
  geofences.pipeInput(FIELD.geofenceId, FIELD, T0)
  geofences.pipeInput(FIELD.geofenceId, null, T0)
  send(ping({ at: T0 + 5000, latitude: 42.0011 }))
  t.is(out.transitions.readRecordsToList().length, 0)
  driver.close()
})

test('a trip and an idle period are emitted once, when their sessions close, with duration and distance', (t) => {
  const { driver, out, send } = setup()
  const gap = 180_000
  // Idle for 2 minutes, then 10 fixes moving north 100 m apart every 10 s (36 km/h).
  for (let i = 0; i <= 4; i++) send(ping({ at: T0 + i * 30_000, engineState: 'IDLE', fuelLevelPercent: 80 }))
  const start = T0 + 150_000
  for (let i = 0; i < 10; i++) {
    send(
      ping({
        at: start + i * 10_000,
        latitude: 41.99 + (i * 100) / 111_195,
        speedKmh: 36,
        headingDegrees: 0,
        engineState: 'RUNNING',
        fuelLevelPercent: 80 - i * 0.1,
      }),
    )
  }
  // Engine off: no session; time passes and a later fix on the partition closes everything.
  send(ping({ at: start + 100_000, engineState: 'OFF', latitude: 41.99 + 900 / 111_195 }))
  t.is(out.sessions.readRecordsToList().length, 0, 'nothing before the sessions close')
  send(
    ping({ at: start + 90_000 + gap + 300_000 + 1000, engineState: 'OFF', latitude: 41.99 + 900 / 111_195 }),
  )
  const sessions = out.sessions.readValuesToList().map((s) => plain(s) as MachineSession)
  t.is(sessions.length, 2)
  const idle = sessions.find((s) => s.kind === 'IDLE')
  const trip = sessions.find((s) => s.kind === 'TRIP')
  t.like(idle, {
    state: 'CLOSED',
    startedAt: T0,
    endedAt: T0 + 120_000,
    pingCount: 5,
    distanceMeters: 0,
    fuelUsedPercent: 0,
  })
  t.like(trip, { state: 'CLOSED', startedAt: start, endedAt: start + 90_000, pingCount: 10, maxSpeedKmh: 36 })
  t.true(Math.abs((trip?.distanceMeters ?? 0) - 900) < 1, String(trip?.distanceMeters))
  t.true(Math.abs((trip?.fuelUsedPercent ?? 0) - 0.9) < 1e-9)
  // More time passes: nothing is emitted a second time.
  send(ping({ at: start + 2_000_000, engineState: 'OFF' }))
  t.is(out.sessions.readRecordsToList().length, 0)
  driver.close()
})

test('a fix within the gap after a quiet spell extends the session instead of emitting it early', (t) => {
  const { driver, out, send } = setup({ sessions: { inactivityGapMs: 60_000, graceMs: 10_000 } })
  const moving = { speedKmh: 10, engineState: 'RUNNING' as const }
  send(ping({ at: T0, ...moving }))
  // 20 s past end + grace but within the gap: the library alone would have closed the session here.
  send(ping({ at: T0 + 30_000, engineState: 'OFF' }))
  send(ping({ at: T0 + 50_000, ...moving, latitude: 41.9901 }))
  send(ping({ at: T0 + 200_000, engineState: 'OFF' }))
  const sessions = out.sessions.readValuesToList()
  t.is(sessions.length, 1)
  t.like(plain(sessions[0]) as MachineSession, { startedAt: T0, endedAt: T0 + 50_000, pingCount: 2 })
  driver.close()
})

test('options are validated once, naming the path', (t) => {
  t.throws(() => buildTrackingTopology({ serdes, validation: { maxSpeedKmh: -1 } }), {
    message: /\/options\/validation\/maxSpeedKmh must be > 0/,
  })
  t.throws(() => buildTrackingTopology({ serdes, topics: { positions: T.pings } }), {
    message: /7 different topics/,
  })
  t.throws(() => buildTrackingTopology({ serdes: { ...serdes, session: undefined } as never }), {
    message: /\/options\/serdes\/session must be a Serde/,
  })
})
