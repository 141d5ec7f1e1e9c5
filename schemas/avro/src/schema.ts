import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import avsc from 'avsc'
import { AVRO_ERROR_CODES, AvroError } from './errors.ts'

/** Avro schema JSON as the .avsc files hold it (the subset of the specification we use). */
export type AvroSchema = string | readonly AvroSchema[] | AvroNamedOrComplexSchema

export type AvroNamedOrComplexSchema =
  AvroRecordSchema | AvroEnumSchema | AvroFixedSchema | AvroArraySchema | AvroMapSchema | AvroAnnotatedSchema

export interface AvroField {
  readonly name: string
  readonly type: AvroSchema
  readonly doc?: string
  readonly default?: unknown
  readonly aliases?: readonly string[]
  readonly order?: 'ascending' | 'descending' | 'ignore'
}

export interface AvroRecordSchema {
  readonly type: 'record' | 'error'
  readonly name: string
  readonly namespace?: string
  readonly doc?: string
  readonly aliases?: readonly string[]
  readonly fields: readonly AvroField[]
}

export interface AvroEnumSchema {
  readonly type: 'enum'
  readonly name: string
  readonly namespace?: string
  readonly doc?: string
  readonly aliases?: readonly string[]
  readonly symbols: readonly string[]
  readonly default?: string
}

export interface AvroFixedSchema {
  readonly type: 'fixed'
  readonly name: string
  readonly namespace?: string
  readonly aliases?: readonly string[]
  readonly size: number
}

export interface AvroArraySchema {
  readonly type: 'array'
  readonly items: AvroSchema
}

export interface AvroMapSchema {
  readonly type: 'map'
  readonly values: AvroSchema
}

/** A primitive in object form, to carry a logical type or our brand attribute. */
export interface AvroAnnotatedSchema {
  readonly type: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string'
  readonly logicalType?: string
  readonly 'oxagry.brand'?: string
}

/** The attribute naming the brand of a string (see ids.ts). Unknown attributes are metadata in Avro. */
export const BRAND_ATTRIBUTE = 'oxagry.brand'

/** The package root: the domain folders holding the .avsc files sit beside src/. */
export const SCHEMAS_ROOT = fileURLToPath(new URL('..', import.meta.url))

const SCHEMA_FOLDERS = [
  'orders',
  'inventory',
  'payments',
  'fleet',
  'bookings',
  'notifications',
  'platform',
] as const

/** Every .avsc file, as a path relative to the package root with forward slashes, sorted. */
export function listSchemaFiles(root: string = SCHEMAS_ROOT): string[] {
  return SCHEMA_FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.avsc'))
      .map((name) =>
        relative(root, join(root, folder, name))
          .split(sep)
          .join('/'),
      ),
  ).sort()
}

/** Reads one .avsc file; the top level must be a named record (TopicNameStrategy registers it whole). */
export function readSchemaFile(file: string, root: string = SCHEMAS_ROOT): AvroRecordSchema {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(join(root, file), 'utf8'))
  } catch (error) {
    throw new AvroError(AVRO_ERROR_CODES.INVALID_SCHEMA, `${file}: not JSON: ${(error as Error).message}`, {
      cause: error,
      context: { file },
    })
  }
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== 'record') {
    throw new AvroError(AVRO_ERROR_CODES.INVALID_SCHEMA, `${file}: the top level must be a record`, {
      context: { file },
    })
  }
  return json as AvroRecordSchema
}

/**
 * Builds the avsc type of a schema. No logical types are registered on purpose: `timestamp-millis`
 * decodes as a number and `uuid` as a string, which is what the generated types say. Unions of several
 * records are wrapped (`{ 'dev.oxagry.orders.OrderPlaced': {...} }`), as avsc does by default.
 */
export function avroType(schema: AvroSchema, file?: string): avsc.Type {
  try {
    return avsc.Type.forSchema(schema as Parameters<typeof avsc.Type.forSchema>[0], { wrapUnions: 'auto' })
  } catch (error) {
    throw new AvroError(
      AVRO_ERROR_CODES.INVALID_SCHEMA,
      `${file ?? 'schema'}: not a valid Avro schema: ${(error as Error).message}`,
      { cause: error, context: file === undefined ? {} : { file } },
    )
  }
}

/** Full name of a named schema: its name when already dotted, else namespace + name. */
export function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || namespace === undefined || namespace === '' ? name : `${namespace}.${name}`
}
