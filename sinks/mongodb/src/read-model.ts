import { type AnyBulkWriteOperation, type Collection, type Db, type Filter } from 'mongodb'
import type { EngineState, GeofenceId, MachineId, MachinePosition } from '@oxagry/avro'
import {
  newestPerMachine,
  pageOf,
  resolveListQuery,
  type MachineListQuery,
  type MachinePage,
  type MachineReadModel,
  type MachineState,
  type MachineStatus,
  type UpsertResult,
} from '@oxagry/sink'
import { classifyMongoError } from './errors.ts'
import { checkMaxUpsertsPerCommand, FERRETDB_MAX_UPSERTS, guardedUpserts } from './guarded-bulk.ts'
import { ensureIndexes } from './indexes.ts'

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
    checkMaxUpsertsPerCommand(options.maxUpsertsPerCommand)
    this.collection = options.db.collection<MachineDocument>(options.collection ?? 'machines')
  }

  /** Creates the missing indexes (one at a time, as FerretDB v1 needs). */
  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.collection, INDEXES)
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
    const applied = await guardedUpserts(this.collection, operations, size, 'upserting machines')
    return { applied, stale: positions.length - applied }
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
