import { createLocalKey, localAuthSettings, mintToken, type AuthSettings } from '@oxagry/api-auth'
import type {
  GeofenceQueries,
  HistoryQueries,
  MachinePage,
  MachinePosition,
  MachineQueries,
  MachineStatus,
  BoundingBox,
} from './ports.ts'
import { inBox, statusOf } from './ports.ts'

/** Read-model queries over the latest positions in memory, for API tests and demos. */
export class InMemoryMachines implements MachineQueries {
  constructor(private readonly source: () => Iterable<MachinePosition>) {}

  async get(machineId: string): Promise<MachinePosition | undefined> {
    for (const p of this.source()) if (p.machineId === machineId) return p
    return undefined
  }

  async list(query: {
    status?: MachineStatus
    bbox?: BoundingBox
    limit: number
    cursor?: string
  }): Promise<MachinePage> {
    const all = [...this.source()]
      .filter((p) => query.status === undefined || statusOf(p) === query.status)
      .filter((p) => query.bbox === undefined || inBox(p, query.bbox))
      .filter((p) => query.cursor === undefined || p.machineId > query.cursor)
      .sort((a, b) => a.machineId.localeCompare(b.machineId))
    const page = all.slice(0, query.limit)
    const last = page.at(-1)
    return all.length > query.limit && last !== undefined
      ? { machines: page, nextCursor: last.machineId }
      : { machines: page }
  }
}

export const noHistory: HistoryQueries = { track: async () => [], trips: async () => [] }
export const noGeofences: GeofenceQueries = { list: async () => [] }

export function position(machineId: string, overrides: Partial<MachinePosition> = {}): MachinePosition {
  return {
    machineId,
    eventTime: 1_700_000_000_000,
    latitude: 41.9,
    longitude: -93.6,
    speedKmh: 12,
    headingDegrees: 90,
    accuracyMeters: 3,
    engineState: 'RUNNING',
    fuelLevelPercent: 70,
    geofenceIds: [],
    ...overrides,
  }
}

/** Authentication for tests: a fresh local key, the settings that verify it, and tokens it signs. */
export async function testAuth(): Promise<{
  settings: AuthSettings
  token(scopes?: readonly string[], claims?: { subject?: string; customerId?: string }): Promise<string>
}> {
  const key = await createLocalKey()
  return {
    settings: localAuthSettings(key),
    token: (scopes = ['fleet:read'], claims = {}) =>
      mintToken(key, {
        subject: claims.subject ?? 'test',
        scopes,
        ...(claims.customerId === undefined ? {} : { customerId: claims.customerId }),
      }),
  }
}
