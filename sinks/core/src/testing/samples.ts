import { randomUUID } from 'node:crypto'
import {
  geofenceId,
  machineId,
  type MachinePing,
  type MachinePosition,
  type MachineSession,
} from '@oxagry/avro'

/** A position with sensible defaults; override what a test is about. */
export function position(
  id: string,
  eventTime: number,
  overrides: Partial<Omit<MachinePosition, 'machineId' | 'eventTime'>> = {},
): MachinePosition {
  return {
    machineId: machineId(id),
    eventTime,
    latitude: 52.1,
    longitude: 5.1,
    speedKmh: 12.5,
    headingDegrees: 90,
    accuracyMeters: 3,
    engineState: 'RUNNING',
    fuelLevelPercent: 70,
    lastPingId: randomUUID(),
    lastSequence: Math.floor(eventTime / 1000),
    geofenceIds: [geofenceId('gf-north-field')],
    ...overrides,
  }
}

export function ping(
  id: string,
  sequence: number,
  eventTime: number,
  overrides: Partial<Omit<MachinePing, 'machineId' | 'sequence' | 'eventTime'>> = {},
): MachinePing {
  return {
    pingId: randomUUID(),
    machineId: machineId(id),
    sequence,
    eventTime,
    latitude: 52 + sequence / 10_000,
    longitude: 5 + sequence / 10_000,
    speedKmh: 10,
    headingDegrees: 45,
    accuracyMeters: 2.5,
    engineState: 'RUNNING',
    fuelLevelPercent: null,
    ...overrides,
  }
}

export function session(
  id: string,
  startedAt: number,
  overrides: Partial<Omit<MachineSession, 'machineId' | 'startedAt'>> = {},
): MachineSession {
  return {
    sessionId: randomUUID(),
    machineId: machineId(id),
    kind: 'TRIP',
    state: 'CLOSED',
    startedAt,
    endedAt: startedAt + 600_000,
    startLatitude: 52,
    startLongitude: 5,
    endLatitude: 52.01,
    endLongitude: 5.01,
    distanceMeters: 1350.5,
    maxSpeedKmh: 24,
    pingCount: 60,
    fuelUsedPercent: 1.5,
    ...overrides,
  }
}
