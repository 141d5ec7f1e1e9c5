import type { MachinePosition } from '@oxagry/avro'
import type { UpsertResult } from '@oxagry/sink'
import { MongoMachineReadModel } from '@oxagry/sink-mongodb'

/** The MongoDB read model as the platform runs it, counting the documents its upserts applied. */
export class CountingMongoReadModel extends MongoMachineReadModel {
  applied = 0

  override async upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult> {
    const result = await super.upsertPositions(positions)
    this.applied += result.applied
    return result
  }
}
