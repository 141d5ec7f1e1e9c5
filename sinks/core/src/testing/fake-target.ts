import { permanentError, transientError } from '../errors.ts'
import {
  isNewer,
  newestPerMachine,
  pageOf,
  resolveListQuery,
  type MachineListQuery,
  type MachinePage,
  type MachineReadModel,
  type MachineState,
  type UpsertResult,
} from '../read-model.ts'
import type { SinkTarget, WriteContext } from '../target.ts'
import type { MachinePosition } from '@oxagry/avro'

export interface FakeTargetScript<T> {
  /** The first n write calls fail transiently. */
  readonly transientFailures?: number
  /** Items for which any write containing them fails permanently. */
  readonly refuse?: (item: T) => boolean
  /** Wait this long inside every write. */
  readonly delayMs?: number
}

/** A target that keeps what it was given, and fails as scripted. */
export class FakeTarget<T> implements SinkTarget<T> {
  readonly name = 'fake'
  /** Successful writes in order. */
  readonly writes: { items: readonly T[]; context: WriteContext }[] = []
  calls = 0
  private transientLeft: number

  constructor(private readonly script: FakeTargetScript<T> = {}) {
    this.transientLeft = script.transientFailures ?? 0
  }

  get items(): T[] {
    return this.writes.flatMap((w) => w.items)
  }

  async write(items: readonly T[], context: WriteContext): Promise<void> {
    this.calls++
    if (this.script.delayMs !== undefined) await new Promise((r) => setTimeout(r, this.script.delayMs))
    if (this.transientLeft > 0) {
      this.transientLeft--
      throw transientError('connection reset (scripted)')
    }
    const refused = this.script.refuse === undefined ? undefined : items.find(this.script.refuse)
    if (refused !== undefined) throw permanentError(`refused ${JSON.stringify(refused)} (scripted)`)
    this.writes.push({ items, context })
  }
}

/** The read model in a Map: the reference for the contract tests and for tests of code above it. */
export class InMemoryMachineReadModel implements MachineReadModel {
  private readonly machines = new Map<string, MachineState>()

  async ensureIndexes(): Promise<void> {}

  async upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult> {
    const newest = newestPerMachine(positions)
    let applied = 0
    for (const state of newest) {
      const current = this.machines.get(state.machineId)
      if (current === undefined || isNewer(state, current)) {
        this.machines.set(state.machineId, structuredClone(state))
        applied++
      }
    }
    return { applied, stale: positions.length - applied }
  }

  async get(machineId: string): Promise<MachineState | undefined> {
    const state = this.machines.get(machineId)
    return state === undefined ? undefined : structuredClone(state)
  }

  async list(query?: MachineListQuery): Promise<MachinePage> {
    const q = resolveListQuery(query)
    const rows = [...this.machines.values()]
      .filter((m) => q.after === undefined || m.machineId > q.after)
      .filter((m) => q.status === undefined || m.status === q.status)
      .filter(
        (m) =>
          q.bbox === undefined ||
          (m.latitude >= q.bbox.minLat &&
            m.latitude <= q.bbox.maxLat &&
            m.longitude >= q.bbox.minLon &&
            m.longitude <= q.bbox.maxLon),
      )
      .sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))
      .slice(0, q.limit + 1)
    return pageOf(
      rows.map((m) => structuredClone(m)),
      q.limit,
    )
  }

  async close(): Promise<void> {}
}
