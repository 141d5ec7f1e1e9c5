import {
  Contracts,
  createAvroSerde,
  type DeadLetter,
  type MachineId,
  type MachinePing,
  type MachinePosition,
  type MachineSession,
  type SchemaRegistryClient,
} from '@oxagry/avro'
import {
  ACCEPTED_KINDS,
  createBackendPingSink,
  createFleet,
  createSimulatorSerdes,
  type EmittedPing,
  type PingCounts,
} from '@oxagry/simulator'
import { partitionForKey, readTopic, type BrokerRecord, type KafkaBackend, type Serde } from '@oxagry/kafka'
import { TRACKING_ERROR_CODES } from './errors.ts'
import { DEFAULT_SESSIONS, type TrackingTopics } from './options.ts'
import { activityOf } from './sessions.ts'

// End-to-end support shared by the embedded (memory broker) test and the Kafka integration test:
// run the simulator into a backend, then account for every ping it emitted in the outputs.

export function prefixedTopics(prefix: string): TrackingTopics {
  return {
    pings: `${prefix}.machine-pings`,
    accepted: `${prefix}.accepted-pings`,
    geofences: `${prefix}.geofences`,
    positions: `${prefix}.machine-positions`,
    transitions: `${prefix}.geofence-transitions`,
    sessions: `${prefix}.machine-sessions`,
    deadLetters: `${prefix}.dead-letters`,
  }
}

export interface Simulated {
  readonly emitted: readonly EmittedPing[]
  readonly counts: PingCounts
  readonly machines: readonly MachineId[]
}

/**
 * Sends `minutes` of simulated fleet time, then one valid ping per partition half an hour later from
 * a flush machine: stream time moves on in every task and every real session closes.
 */
export async function simulate(options: {
  backend: KafkaBackend
  registry: SchemaRegistryClient
  topics: TrackingTopics
  partitions: number
  machines: number
  minutes: number
  startTimeMs: number
}): Promise<Simulated> {
  const { backend, topics } = options
  const admin = await backend.admin()
  await admin.createTopics([
    { name: topics.pings, partitions: options.partitions, config: {} },
    { name: topics.geofences, partitions: 1, config: {} },
    ...[topics.accepted, topics.positions, topics.transitions, topics.sessions, topics.deadLetters].map(
      (name) => ({
        name,
        partitions: options.partitions,
        config: {},
      }),
    ),
  ])
  await admin.close()
  const serdes = await createSimulatorSerdes(options.registry, topics, { autoRegister: true })
  const sink = await createBackendPingSink({ backend, serdes, topics })
  // One ping every 5 s per machine, and bad data at ten times the default so each kind shows up.
  const fleet = createFleet({
    machines: options.machines,
    ratePerSecond: options.machines / 5,
    seed: 42,
    startTimeMs: options.startTimeMs,
    badData: { gpsJump: 0.02, outOfRange: 0.02, duplicate: 0.02, late: 0.02, outOfOrder: 0.02 },
  })
  await sink.publishGeofences(fleet.geofences(options.startTimeMs))
  const emitted: EmittedPing[] = []
  const end = options.startTimeMs + options.minutes * 60_000
  for (let t = options.startTimeMs; t <= end; t += 30_000) {
    const batch = fleet.tick(t)
    emitted.push(...batch)
    await sink.send(batch)
  }
  const flushAt = end + 30 * 60_000
  const flushes: EmittedPing[] = []
  for (let p = 0; p < options.partitions; p++) {
    let i = 0
    while (partitionForKey(Buffer.from(`FLUSH-${p}-${i}`), options.partitions) !== p) i++
    flushes.push({
      kind: 'valid',
      emittedAt: flushAt,
      ping: {
        pingId: `00000000-0000-4000-8000-${String(p).padStart(12, '0')}`,
        machineId: `FLUSH-${p}-${i}` as MachineId,
        sequence: 1,
        eventTime: flushAt,
        latitude: 0,
        longitude: 0,
        speedKmh: 0,
        headingDegrees: null,
        accuracyMeters: 1,
        engineState: 'OFF',
        fuelLevelPercent: null,
      },
    })
  }
  await sink.send(flushes)
  await sink.close()
  return { emitted, counts: fleet.counts(), machines: fleet.machineIds }
}

export interface Outputs {
  readonly accepted: MachinePing[]
  readonly positions: Map<string, MachinePosition>
  readonly sessions: MachineSession[]
  readonly deadLetters: DeadLetter[]
}

export { readTopic }

/** Everything the application produced so far, decoded. */
export async function readOutputs(
  backend: KafkaBackend,
  registry: SchemaRegistryClient,
  topics: TrackingTopics,
): Promise<Outputs> {
  const decode = async <T>(serde: Serde<T>, topic: string, r: BrokerRecord): Promise<T> =>
    await serde.deserialize(topic, r.value as Buffer, r.headers)
  const ping = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const position = await createAvroSerde({ registry, contract: Contracts.MachinePosition })
  const session = await createAvroSerde({ registry, contract: Contracts.MachineSession })
  const dead = await createAvroSerde({ registry, contract: Contracts.DeadLetter })
  const accepted: MachinePing[] = []
  for (const r of await readTopic(backend, topics.accepted))
    accepted.push(await decode(ping, topics.accepted, r))
  const positions = new Map<string, MachinePosition>()
  for (const r of await readTopic(backend, topics.positions))
    positions.set(r.key?.toString() ?? '', await decode(position, topics.positions, r))
  const sessions: MachineSession[] = []
  for (const r of await readTopic(backend, topics.sessions))
    sessions.push(await decode(session, topics.sessions, r))
  const deadLetters: DeadLetter[] = []
  for (const r of await readTopic(backend, topics.deadLetters))
    deadLetters.push(await decode(dead, topics.deadLetters, r))
  return { accepted, positions, sessions, deadLetters }
}

export interface Expected {
  /** Pings of real machines on the accepted topic; with the dead letters, every emitted ping. */
  readonly acceptedPings: number
  readonly accounted: number
  readonly deadLettersByCode: Record<string, number>
  readonly lastPingIdByMachine: Record<string, string>
  readonly sessionPings: number
}

/** What correct processing of the emitted pings must produce. */
export function expectedFrom(sim: Simulated): Expected {
  const accepted = sim.emitted.filter((e) => ACCEPTED_KINDS.includes(e.kind)).map((e) => e.ping)
  const newest = new Map<string, MachinePing>()
  for (const p of accepted) {
    const held = newest.get(p.machineId)
    if (
      held === undefined ||
      p.eventTime > held.eventTime ||
      (p.eventTime === held.eventTime && p.sequence > held.sequence)
    )
      newest.set(p.machineId, p)
  }
  return {
    acceptedPings: accepted.length,
    accounted: sim.emitted.length,
    deadLettersByCode: Object.fromEntries(
      (
        [
          [TRACKING_ERROR_CODES.PING_DUPLICATE, sim.counts.duplicate],
          [TRACKING_ERROR_CODES.PING_IMPOSSIBLE_JUMP, sim.counts.gpsJump],
          [TRACKING_ERROR_CODES.PING_COORDINATES_OUT_OF_RANGE, sim.counts.outOfRange],
        ] as const
      )
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    lastPingIdByMachine: Object.fromEntries(
      [...newest].sort(([a], [b]) => a.localeCompare(b)).map(([m, p]) => [m, p.pingId]),
    ),
    sessionPings: accepted.filter((p) => activityOf(p, DEFAULT_SESSIONS.movingSpeedKmh) !== undefined).length,
  }
}

/** The outputs as the same shape, real machines only, for one deepEqual. */
export function observedFrom(outputs: Outputs, machines: readonly string[]): Expected {
  const real = new Set(machines)
  const deadLettersByCode: Record<string, number> = {}
  for (const d of [...outputs.deadLetters].sort((a, b) => a.errorCode.localeCompare(b.errorCode)))
    deadLettersByCode[d.errorCode] = (deadLettersByCode[d.errorCode] ?? 0) + 1
  const accepted = outputs.accepted.filter((p) => real.has(p.machineId)).length
  return {
    acceptedPings: accepted,
    accounted: accepted + outputs.deadLetters.length,
    deadLettersByCode,
    lastPingIdByMachine: Object.fromEntries(
      [...outputs.positions]
        .filter(([m]) => real.has(m))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([m, p]) => [m, p.lastPingId]),
    ),
    sessionPings: outputs.sessions.filter((s) => real.has(s.machineId)).reduce((n, s) => n + s.pingCount, 0),
  }
}
