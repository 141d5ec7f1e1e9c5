import type { MachinePosition } from '@oxagry/avro'
import type { UpsertResult } from '@oxagry/sink'
import { MongoMachineReadModel } from '@oxagry/sink-mongodb'

/**
 * Under FerretDB's limit: on the stack (FerretDB 1.24, SQLite), an update command of 100 or more upserts
 * of existing documents may never be answered, while 99 take a tenth of a second.
 */
export const FERRETDB_SAFE_UPSERTS = 99

/**
 * The MongoDB read model, counting the documents its upserts applied; with `chunk`, each upsert is sent
 * in commands of at most that many machines (its positions cut after the read model's own per-machine
 * reduction would be the same: a chunk holds whole machines).
 */
export class CountingMongoReadModel extends MongoMachineReadModel {
  applied = 0

  constructor(
    options: ConstructorParameters<typeof MongoMachineReadModel>[0],
    private readonly chunk?: number,
  ) {
    super(options)
  }

  override async upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult> {
    const total = { applied: 0, stale: 0 }
    for (const part of this.chunk === undefined ? [positions] : byMachine(positions, this.chunk)) {
      const result = await super.upsertPositions(part)
      total.applied += result.applied
      total.stale += result.stale
    }
    this.applied += total.applied
    return total
  }
}

/** Positions in groups holding at most `machines` machines each, every position of a machine in one group. */
export function byMachine(positions: readonly MachinePosition[], machines: number): MachinePosition[][] {
  const groups = new Map<string, MachinePosition[]>()
  for (const p of positions) {
    const group = groups.get(p.machineId)
    if (group === undefined) groups.set(p.machineId, [p])
    else group.push(p)
  }
  const all = [...groups.values()]
  const out: MachinePosition[][] = []
  for (let i = 0; i < all.length; i += machines) out.push(all.slice(i, i + machines).flat())
  return out
}
