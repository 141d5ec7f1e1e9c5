import type avsc from 'avsc'
import { AVRO_ERROR_CODES, AvroError } from './errors.ts'
import { avroType, fullName, readSchemaFile, type AvroRecordSchema } from './schema.ts'

declare const valueType: unique symbol

/**
 * One event contract: an .avsc record schema, its avsc type, and (as a phantom) the TypeScript type
 * generated from it, so `createAvroSerde({ contract })` is a `Serde<ThatType>`.
 */
export interface AvroContract<T> {
  /** Full name of the record, e.g. `dev.oxagry.fleet.MachinePing`. */
  readonly name: string
  /** The .avsc file relative to the schemas package, or a label for contracts built in memory. */
  readonly file: string
  readonly schema: AvroRecordSchema
  readonly type: avsc.Type
  /** Phantom: the decoded value type. Never set at runtime. */
  readonly [valueType]?: T
}

/** A contract for a schema held in memory (tests, evolution checks). */
export function contractOf<T>(schema: AvroRecordSchema, file = '<memory>'): AvroContract<T> {
  return Object.freeze({
    name: fullName(schema.name, schema.namespace),
    file,
    schema,
    type: avroType(schema, file),
  })
}

/** The contract of an .avsc file of this package; fails when its record has another name (a stale codegen). */
export function defineContract<T>(file: string, name: string): AvroContract<T> {
  const contract = contractOf<T>(readSchemaFile(file), file)
  if (contract.name !== name) {
    throw new AvroError(
      AVRO_ERROR_CODES.INVALID_SCHEMA,
      `${file} defines ${contract.name}, the generated code expects ${name}: run the codegen`,
      { context: { file } },
    )
  }
  return contract
}

/** The value type of a contract. */
export type ValueOf<C> = C extends AvroContract<infer T> ? T : never
