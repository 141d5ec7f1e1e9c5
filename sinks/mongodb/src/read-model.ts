import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
} from 'mongodb'
import type { EngineState, GeofenceId, MachineId, MachinePosition } from '@oxagry/avro'
import {
  newestPerMachine,
  pageOf,
  SINK_ERROR_CODES,
  SinkError,
  resolveListQuery,
  type MachineListQuery,
  type MachinePage,
  type MachineReadModel,
  type MachineState,
  type MachineStatus,
  type UpsertResult,
} from '@oxagry/sink'
import { DUPLICATE_KEY, classifyMongoError } from './errors.ts'

const NAMESPACE_NOT_FOUND = 26

/** Status pages walk (status, _id); the bounding box filters latitude and longitude ranges. */
const INDEXES = [
  { name: 'status_id', key: { status: 1, _id: 1 } },
  { name: 'latitude_longitude', key: { latitude: 1, longitude: 1 } },
] as const

/** One document per machine, `_id` = machineId. */
export interface MachineDocument {
  _id: string
  status: MachineStatus
  eventTime: Date
  lastSequence: number
  latitude: number
  longitude: number
  speedKmh: number
  headingDegrees: number | null
  accuracyMeters: number
  engineState: EngineState
  fuelLevelPercent: number | null
  lastPingId: string
  geofenceIds: string[]
  updatedAt: Date
}

export interface MongoReadModelOptions {
  readonly db: Db
  /** Default `machines`. */
  readonly collection?: string
  /** Called by close(), e.g. `() => client.close()` when the model owns the client. */
  readonly onClose?: () => Promise<void>
  /**
   * Upserts per update command, default {@link FERRETDB_MAX_UPSERTS}. FerretDB v1 stops answering an
   * update command of 100 or more upserts that match existing documents (the connection times out);
   * against MongoDB itself a larger value saves round trips.
   */
  readonly maxUpsertsPerCommand?: number
}

/** The most upserts FerretDB v1 answers in one update command. */
export const FERRETDB_MAX_UPSERTS = 99

function fromDocument(doc: MachineDocument): MachineState {
  return {
    machineId: doc._id as MachineId,
    status: doc.status,
    eventTime: doc.eventTime.getTime(),
    latitude: doc.latitude,
    longitude: doc.longitude,
    speedKmh: doc.speedKmh,
    headingDegrees: doc.headingDegrees,
    accuracyMeters: doc.accuracyMeters,
    engineState: doc.engineState,
    fuelLevelPercent: doc.fuelLevelPercent,
    lastPingId: doc.lastPingId,
    lastSequence: doc.lastSequence,
    geofenceIds: doc.geofenceIds as GeofenceId[],
  }
}

/**
 * The machine read model in MongoDB, written for FerretDB v1 as well: plain range filters (no geo
 * operators), no transactions, no aggregation.
 *
 * The guarded upsert is `updateOne({ _id, <stored is older> }, { $set }, { upsert: true })`: when the
 * stored document is newer the filter matches nothing, the upsert tries to insert the same `_id` and
 * fails with a duplicate key, which means "stale". Two writers inserting a new machine at once also
 * meet a duplicate key; the loser is retried once, now as a guarded update, so the newer one wins.
 */
export class MongoMachineReadModel implements MachineReadModel {
  readonly collection: Collection<MachineDocument>

  constructor(private readonly options: MongoReadModelOptions) {
    const size = options.maxUpsertsPerCommand
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 1))
      throw new SinkError(
        SINK_ERROR_CODES.INVALID_OPTIONS,
        `maxUpsertsPerCommand must be a positive integer, got ${size}`,
        { context: { path: '/options/maxUpsertsPerCommand' } },
      )
    this.collection = options.db.collection<MachineDocument>(options.collection ?? 'machines')
  }

  /**
   * Creates the missing indexes one at a time. FerretDB v1 drops the connection (a panic on its side)
   * when `createIndexes` names several indexes that all exist already, so existing ones are listed first.
   */
  async ensureIndexes(): Promise<void> {
    try {
      const existing = new Set(
        (
          await this.collection
            .listIndexes()
            .toArray()
            .catch((error: unknown) => {
              // The collection does not exist yet: it has no indexes.
              if ((error as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return []
              throw error
            })
        ).map((i) => i.name as string),
      )
      for (const index of INDEXES) {
        if (!existing.has(index.name)) await this.collection.createIndex(index.key, { name: index.name })
      }
    } catch (error) {
      throw classifyMongoError(error, `creating indexes on ${this.collection.collectionName}`)
    }
  }

  async upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult> {
    if (positions.length === 0) return { applied: 0, stale: 0 }
    const now = new Date()
    const operations: AnyBulkWriteOperation<MachineDocument>[] = newestPerMachine(positions).map((s) => {
      const eventTime = new Date(s.eventTime)
      const filter: Filter<MachineDocument> = {
        _id: s.machineId,
        $or: [{ eventTime: { $lt: eventTime } }, { eventTime, lastSequence: { $lt: s.lastSequence } }],
      }
      const doc: Omit<MachineDocument, '_id'> = {
        status: s.status,
        eventTime,
        lastSequence: s.lastSequence,
        latitude: s.latitude,
        longitude: s.longitude,
        speedKmh: s.speedKmh,
        headingDegrees: s.headingDegrees,
        accuracyMeters: s.accuracyMeters,
        engineState: s.engineState,
        fuelLevelPercent: s.fuelLevelPercent,
        lastPingId: s.lastPingId,
        geofenceIds: [...s.geofenceIds],
        updatedAt: now,
      }
      return { updateOne: { filter, update: { $set: doc }, upsert: true } }
    })
    const size = this.options.maxUpsertsPerCommand ?? FERRETDB_MAX_UPSERTS
    let applied = 0
    // One machine is in one command only, so the commands may go one after another in any order.
    for (let i = 0; i < operations.length; i += size)
      applied += await this.upsertCommand(operations.slice(i, i + size))
    return { applied, stale: positions.length - applied }
  }

  /** One update command of guarded upserts; returns how many applied. */
  private async upsertCommand(operations: AnyBulkWriteOperation<MachineDocument>[]): Promise<number> {
    let pending = operations
    let applied = 0
    // Second round: the duplicate keys of the first, which may have lost an insert race.
    for (let round = 0; round < 2 && pending.length > 0; round++) {
      try {
        const result = await this.collection.bulkWrite(pending, { ordered: false })
        applied += result.upsertedCount + result.matchedCount
        pending = []
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError)) throw classifyMongoError(error, 'upserting machines')
        const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
        const other = writeErrors.find((e) => e.code !== DUPLICATE_KEY)
        if (other !== undefined)
          throw classifyMongoError(
            Object.assign(error, { code: other.code }),
            `upserting machines (${other.errmsg ?? 'write error'})`,
          )
        applied += (error.result?.upsertedCount ?? 0) + (error.result?.matchedCount ?? 0)
        const retry = new Set(writeErrors.map((e) => e.index))
        pending = pending.filter((_, i) => retry.has(i))
      }
    }
    return applied
  }

  async get(machineId: string): Promise<MachineState | undefined> {
    try {
      const doc = await this.collection.findOne({ _id: machineId })
      return doc === null ? undefined : fromDocument(doc)
    } catch (error) {
      throw classifyMongoError(error, `reading machine ${machineId}`)
    }
  }

  async list(query?: MachineListQuery): Promise<MachinePage> {
    const q = resolveListQuery(query)
    const filter: Filter<MachineDocument> = {}
    if (q.after !== undefined) filter._id = { $gt: q.after }
    if (q.status !== undefined) filter.status = q.status
    if (q.bbox !== undefined) {
      filter.latitude = { $gte: q.bbox.minLat, $lte: q.bbox.maxLat }
      filter.longitude = { $gte: q.bbox.minLon, $lte: q.bbox.maxLon }
    }
    try {
      const docs = await this.collection
        .find(filter)
        .sort({ _id: 1 })
        .limit(q.limit + 1)
        .toArray()
      return pageOf(docs.map(fromDocument), q.limit)
    } catch (error) {
      throw classifyMongoError(error, 'listing machines')
    }
  }

  async close(): Promise<void> {
    await this.options.onClose?.()
  }
}
