import { randomUUID } from 'node:crypto'
import { machineId, type EngineState, type MachinePing } from '@oxagry/avro'
import { prng } from '../stats.ts'

/** Distinct machines, so record keys, of each phase. */
export const MACHINES = 1000

/** Tumbling windows of the windowed scenario; the Java topology has the same constants. */
export const WINDOW_SIZE_MS = 60_000
export const WINDOW_GRACE_MS = 10_000

/** Keys of the paced (latency) phase start with this, so its outputs are told apart from the preload's. */
export const LATENCY_KEY_PREFIX = 'p2-'

export function machineKey(index: number, prefix = ''): string {
  return `${prefix}machine-${String(index % MACHINES).padStart(4, '0')}`
}

const ENGINE_STATES: readonly [EngineState, number][] = [
  ['OFF', 0.1],
  ['IDLE', 0.2],
  ['RUNNING', 0.68],
  ['UNKNOWN', 0.02],
]

function engineState(u: number): EngineState {
  let acc = 0
  for (const [state, p] of ENGINE_STATES) {
    acc += p
    if (u < acc) return state
  }
  return 'UNKNOWN'
}

/** Makes pings of MACHINES machines around a farm, deterministic for a seed except pingId and times. */
export function pingMaker(seed: number): (key: string, sequence: number, eventTime: number) => MachinePing {
  const random = prng(seed)
  return (key, sequence, eventTime) => {
    const state = engineState(random())
    const moving = state === 'RUNNING' && random() < 0.8
    return {
      pingId: randomUUID(),
      machineId: machineId(key),
      sequence,
      eventTime,
      latitude: 52.2 + random() * 0.3,
      longitude: 5.1 + random() * 0.4,
      speedKmh: moving ? random() * 30 : 0,
      headingDegrees: moving ? random() * 360 : null,
      accuracyMeters: 2 + random() * 78,
      engineState: state,
      fuelLevelPercent: random() < 0.9 ? random() * 100 : null,
    }
  }
}

/** The stateless scenario's filter: accurate fixes of machines whose engine is on (or unknown). */
export function keep(ping: MachinePing): boolean {
  return ping.accuracyMeters <= 50 && ping.engineState !== 'OFF'
}

function round(value: number, factor: number): number {
  return Math.round(value * factor) / factor
}

/** The stateless scenario's mapValues: coordinates to ~1 m, speed to 0.1 km/h. */
export function reshape(ping: MachinePing): MachinePing {
  return {
    ...ping,
    latitude: round(ping.latitude, 1e5),
    longitude: round(ping.longitude, 1e5),
    speedKmh: round(ping.speedKmh, 10),
  }
}
