import type { MachinePing, MachinePosition, MachineSession } from '@oxagry/avro'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'

/**
 * What the fleet sinks write, one variant per operation. Targets accept the variants they can store
 * and `switch` exhaustively over `kind`.
 */
export type FleetWrite =
  /** Replace the machine's latest state if this one is newer (read models). */
  | { readonly kind: 'upsert-latest'; readonly position: MachinePosition }
  /** Append a ping fact, idempotent on pingId (analytics). */
  | { readonly kind: 'insert-ping'; readonly ping: MachinePing }
  /** Insert or supersede a session version, idempotent on sessionId and version (analytics). */
  | { readonly kind: 'upsert-session'; readonly session: MachineSession }

export type FleetWriteKind = FleetWrite['kind']

/** The variants of one kind, e.g. `WriteOf<'insert-ping'>`. */
export type WriteOf<K extends FleetWriteKind> = Extract<FleetWrite, { kind: K }>

/**
 * The `default` of an exhaustive `switch`. Reached only when a decoder and a target do not fit together,
 * a wiring mistake rather than bad data: the error is retriable so the sink stops after its retries
 * instead of dead-lettering every record.
 */
export function assertNever(value: never, what: string): never {
  throw new SinkError(SINK_ERROR_CODES.UNEXPECTED_VARIANT, `unexpected ${what}: ${JSON.stringify(value)}`, {
    retriable: true,
  })
}
