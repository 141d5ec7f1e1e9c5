import type { MachinePosition } from '@oxagry/avro'
import type { MachineReadModel } from './read-model.ts'
import type { SinkTarget } from './target.ts'
import { assertNever, type WriteOf } from './write-models.ts'

/**
 * A sink target over any machine read model: the guarded upsert makes a re-delivered batch harmless.
 * Errors are classified by the read model (`SinkError` transient or permanent).
 */
export function readModelTarget(
  name: string,
  readModel: MachineReadModel,
  options: { readonly ensureIndexes?: boolean } = {},
): SinkTarget<WriteOf<'upsert-latest'>> {
  return {
    name,
    async start() {
      if (options.ensureIndexes !== false) await readModel.ensureIndexes()
    },
    async write(items) {
      const positions: MachinePosition[] = []
      for (const item of items) {
        switch (item.kind) {
          case 'upsert-latest':
            positions.push(item.position)
            break
          default:
            assertNever(item.kind, 'write model')
        }
      }
      await readModel.upsertPositions(positions)
    },
  }
}
