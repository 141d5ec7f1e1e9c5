import type { MachinePing, MachinePosition, MachineSession } from '@oxagry/avro'
import type { Deserializer } from '@oxagry/kafka'
import type { Decode } from './options.ts'
import type { WriteOf } from './write-models.ts'

/** Positions (compacted topic) to guarded upserts; a tombstone is skipped (the read model keeps the last state). */
export function decodePositions(
  deserializer: Deserializer<MachinePosition>,
): Decode<WriteOf<'upsert-latest'>> {
  return async (record) =>
    record.value === null
      ? null
      : {
          kind: 'upsert-latest',
          position: await deserializer.deserialize(record.topic, record.value, record.headers),
        }
}

export function decodePings(deserializer: Deserializer<MachinePing>): Decode<WriteOf<'insert-ping'>> {
  return async (record) =>
    record.value === null
      ? null
      : {
          kind: 'insert-ping',
          ping: await deserializer.deserialize(record.topic, record.value, record.headers),
        }
}

export function decodeSessions(
  deserializer: Deserializer<MachineSession>,
): Decode<WriteOf<'upsert-session'>> {
  return async (record) =>
    record.value === null
      ? null
      : {
          kind: 'upsert-session',
          session: await deserializer.deserialize(record.topic, record.value, record.headers),
        }
}
