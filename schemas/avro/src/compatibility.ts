import type avsc from 'avsc'
import { avroType, type AvroSchema } from './schema.ts'

/** Compatibility levels as the Confluent registry API names them. */
export const COMPATIBILITY_LEVELS = {
  NONE: 'NONE',
  /** A new schema reads data written with the previous one: upgrade consumers first. */
  BACKWARD: 'BACKWARD',
  BACKWARD_TRANSITIVE: 'BACKWARD_TRANSITIVE',
  /** The previous schema reads data written with the new one: upgrade producers first. */
  FORWARD: 'FORWARD',
  FORWARD_TRANSITIVE: 'FORWARD_TRANSITIVE',
  /** Both: producers and consumers upgrade in any order. */
  FULL: 'FULL',
  FULL_TRANSITIVE: 'FULL_TRANSITIVE',
} as const

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[keyof typeof COMPATIBILITY_LEVELS]

export interface CompatibilityIssue {
  /** Dotted path of the field at fault from the top record, e.g. `MachinePing.speedKmh`. */
  readonly path: string
  readonly message: string
}

type AnyType = avsc.Type

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  int: ['int', 'long', 'float', 'double'],
  long: ['long', 'float', 'double'],
  float: ['float', 'double'],
  double: ['double'],
  string: ['string', 'bytes'],
  bytes: ['bytes', 'string'],
}

function isUnion(type: AnyType): type is avsc.types.WrappedUnionType {
  return type.typeName.startsWith('union')
}

function label(type: AnyType): string {
  return type.name ?? type.typeName
}

function shortName(name: string | undefined): string {
  return name === undefined ? '?' : name.slice(name.lastIndexOf('.') + 1)
}

/** Same named type for resolution: equal full names, or the writer's name among the reader's aliases. */
function sameName(reader: AnyType, writer: AnyType): boolean {
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name ?? '')
}

/** Whether a reader branch is the one Avro picks for a writer type (names for named types, else kinds). */
function matches(reader: AnyType, writer: AnyType): boolean {
  const r = reader.typeName
  const w = writer.typeName
  if (r === 'record' || r === 'enum' || r === 'fixed') return r === w && sameName(reader, writer)
  if (r === 'array' || r === 'map') return r === w
  return (PROMOTIONS[w] ?? [w]).includes(r)
}

function walk(
  reader: AnyType,
  writer: AnyType,
  path: string,
  issues: CompatibilityIssue[],
  seen: Set<string>,
): void {
  if (isUnion(writer)) {
    for (const branch of writer.types) {
      if (isUnion(reader)) {
        const match = reader.types.find((r) => matches(r, branch))
        if (match === undefined) {
          issues.push({
            path,
            message: `the writer's union branch ${label(branch)} has no matching branch in the reader's union`,
          })
        } else walk(match, branch, branchPath(path, branch, writer), issues, seen)
      } else walk(reader, branch, branchPath(path, branch, writer), issues, seen)
    }
    return
  }
  if (isUnion(reader)) {
    const match = reader.types.find((r) => matches(r, writer))
    if (match === undefined) {
      issues.push({ path, message: `the reader's union has no branch for the writer's ${label(writer)}` })
    } else walk(match, writer, path, issues, seen)
    return
  }
  if (!matches(reader, writer)) {
    const names = reader.typeName === writer.typeName
    issues.push({
      path,
      message: names
        ? `the reader's ${reader.typeName} ${label(reader)} does not match the writer's ${label(writer)}`
        : `type changed: the reader's ${label(reader)} cannot read the writer's ${label(writer)}`,
    })
    return
  }
  switch (reader.typeName) {
    case 'record': {
      const key = `${reader.name}<${writer.name}`
      if (seen.has(key)) return
      seen.add(key)
      const writerFields = (writer as avsc.types.RecordType).fields
      for (const field of (reader as avsc.types.RecordType).fields) {
        const names = [field.name, ...(field.aliases ?? [])]
        const source = writerFields.find((f) => names.includes(f.name))
        const fieldPath = `${path}.${field.name}`
        if (source === undefined) {
          if (field.defaultValue() === undefined) {
            issues.push({
              path: fieldPath,
              message: `field ${field.name} is absent from the writer's schema and the reader's has no default for it`,
            })
          }
        } else walk(field.type, source.type, fieldPath, issues, seen)
      }
      return
    }
    case 'enum': {
      const symbols = (reader as avsc.types.EnumType).symbols
      const fallback = (reader as { default?: string }).default
      const missing = (writer as avsc.types.EnumType).symbols.filter((s) => !symbols.includes(s))
      if (missing.length > 0 && fallback === undefined) {
        issues.push({
          path,
          message: `the writer's symbols ${missing.join(', ')} of ${label(writer)} are unknown to the reader, which has no default symbol`,
        })
      }
      return
    }
    case 'fixed': {
      const [r, w] = [(reader as avsc.types.FixedType).size, (writer as avsc.types.FixedType).size]
      if (r !== w)
        issues.push({
          path,
          message: `fixed ${label(reader)} has size ${r} in the reader, ${w} in the writer`,
        })
      return
    }
    case 'array':
      walk(
        (reader as avsc.types.ArrayType).itemsType,
        (writer as avsc.types.ArrayType).itemsType,
        `${path}[]`,
        issues,
        seen,
      )
      return
    case 'map':
      walk(
        (reader as avsc.types.MapType).valuesType as AnyType,
        (writer as avsc.types.MapType).valuesType as AnyType,
        `${path}{}`,
        issues,
        seen,
      )
      return
    default:
      return
  }
}

function branchPath(path: string, branch: AnyType, union: AnyType): string {
  // Only unions of several named types need the branch in the path to say which record is meant.
  return branch.name !== undefined &&
    (union as avsc.types.WrappedUnionType).types.filter((t) => t.name).length > 1
    ? `${path}<${shortName(branch.name)}>`
    : path
}

/**
 * Why data written with `writer` cannot be read with `reader` (Avro schema resolution), one issue per
 * field at fault; empty when it can. avsc's own resolver has the last word: should it refuse a pair the
 * walk accepted, its message is reported at the top.
 */
export function readIssues(reader: AvroSchema, writer: AvroSchema): CompatibilityIssue[] {
  const readerType = avroType(reader)
  const writerType = avroType(writer)
  const issues: CompatibilityIssue[] = []
  walk(readerType, writerType, shortName(readerType.name ?? readerType.typeName), issues, new Set())
  if (issues.length === 0) {
    try {
      readerType.createResolver(writerType)
    } catch (error) {
      issues.push({ path: shortName(readerType.name), message: (error as Error).message })
    }
  }
  return issues
}

/** Which way data must be readable at a level: new reads old, old reads new, or both. */
export function directionsOf(level: CompatibilityLevel): { backward: boolean; forward: boolean } {
  return {
    backward: level.startsWith('BACKWARD') || level.startsWith('FULL'),
    forward: level.startsWith('FORWARD') || level.startsWith('FULL'),
  }
}

/**
 * What keeps `newer` from replacing `older` at a compatibility level. Each message says which way
 * fails: BACKWARD means the new schema cannot read old data, FORWARD that old readers cannot read new data.
 */
export function evolutionIssues(
  newer: AvroSchema,
  older: AvroSchema,
  level: CompatibilityLevel,
): CompatibilityIssue[] {
  const { backward, forward } = directionsOf(level)
  const issues: CompatibilityIssue[] = []
  if (backward) {
    for (const i of readIssues(newer, older)) {
      issues.push({ path: i.path, message: `new schema cannot read old data (BACKWARD): ${i.message}` })
    }
  }
  if (forward) {
    for (const i of readIssues(older, newer)) {
      issues.push({ path: i.path, message: `old readers cannot read new data (FORWARD): ${i.message}` })
    }
  }
  return issues
}

/** One line per issue, naming the field: `MachinePing.speedKmh: type changed: ...`. */
export function formatIssues(issues: readonly CompatibilityIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n')
}
