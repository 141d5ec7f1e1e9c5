import type avsc from 'avsc'
import { AVRO_ERROR_CODES, AvroError } from '../errors.ts'
import { BRANDS } from '../ids.ts'
import {
  avroType,
  BRAND_ATTRIBUTE,
  fullName,
  type AvroField,
  type AvroRecordSchema,
  type AvroSchema,
} from '../schema.ts'

/** One .avsc file to generate from. */
export interface SchemaSource {
  readonly file: string
  readonly schema: AvroRecordSchema
}

/** Generated files by path relative to `src/generated/`, contents not yet formatted. */
export type GeneratedFiles = ReadonlyMap<string, string>

interface Declaration {
  readonly fullName: string
  readonly tsName: string
  readonly file: string
  readonly fingerprint: string
  readonly code: string
}

const HEADER = '// Generated from the .avsc files by `npm run -w @oxagry/avro codegen`. Do not edit.\n'

const PRIMITIVES: Readonly<Record<string, string>> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  // avsc decodes long as a number and refuses values beyond 2^53 rather than losing precision.
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
}

function fail(file: string, message: string): never {
  throw new AvroError(AVRO_ERROR_CODES.INVALID_SCHEMA, `${file}: ${message}`, { context: { file } })
}

function jsDoc(doc: string | undefined, indent = ''): string {
  if (doc === undefined || doc.trim() === '') return ''
  const text = doc.replaceAll('*/', '*\\/')
  return `${indent}/** ${text} */\n`
}

/**
 * Turns the .avsc files into TypeScript: one interface per record, an `as const` object and a union
 * type per enum, and a contract per file. Named types may appear in several files (a shared enum) only
 * with identical definitions. The avsc type is walked beside the JSON because avsc decides which
 * unions are wrapped and resolves named references; the JSON holds docs, logical types and brands.
 */
export function generate(sources: readonly SchemaSource[]): GeneratedFiles {
  const declarations = new Map<string, Declaration>()
  const tsNames = new Map<string, string>()
  const brandsUsed = new Set<string>()
  let usesTimestamp = false

  function declare(file: string, name: string, type: avsc.Type, code: () => string): string {
    const tsName = name.slice(name.lastIndexOf('.') + 1)
    const fingerprint = type.fingerprint('md5').toString('hex')
    const existing = declarations.get(name)
    if (existing !== undefined) {
      if (existing.fingerprint !== fingerprint) {
        fail(
          file,
          `${name} is also defined in ${existing.file} with a different definition; keep them identical`,
        )
      }
      return existing.tsName
    }
    const owner = tsNames.get(tsName)
    if (owner !== undefined && owner !== name)
      fail(file, `${name} and ${owner} would both be ${tsName} in TypeScript`)
    tsNames.set(tsName, name)
    // Reserve the name before generating the body, so recursive references resolve.
    declarations.set(name, { fullName: name, tsName, file, fingerprint, code: '' })
    declarations.set(name, { fullName: name, tsName, file, fingerprint, code: code() })
    return tsName
  }

  function tsType(file: string, json: AvroSchema, type: avsc.Type, namespace: string | undefined): string {
    if (typeof json === 'string') {
      const primitive = PRIMITIVES[json]
      if (primitive !== undefined) return primitive
      const name = type.name ?? fail(file, `cannot resolve type ${json}`)
      const known = declarations.get(name)
      return known?.tsName ?? fail(file, `${json} is used before it is defined`)
    }
    if (Array.isArray(json)) {
      const union = type as avsc.types.WrappedUnionType | avsc.types.UnwrappedUnionType
      const branches = (json as readonly AvroSchema[]).map((branch, i) => {
        const branchType = union.types[i] ?? fail(file, 'union branch mismatch')
        const ts = tsType(file, branch, branchType, namespace)
        return type.typeName === 'union:wrapped' ? `{ readonly '${branchType.branchName ?? ''}': ${ts} }` : ts
      })
      return branches.join(' | ')
    }
    const node = json as Exclude<AvroSchema, string | readonly AvroSchema[]>
    switch (node.type) {
      case 'record':
      case 'error': {
        const name = fullName(node.name, node.namespace ?? namespace)
        const record = type as avsc.types.RecordType
        return declare(file, name, type, () => {
          const inner = name.slice(0, name.lastIndexOf('.'))
          const fields = node.fields.map((field: AvroField, i) => {
            const fieldType = record.fields[i]?.type ?? fail(file, `field ${field.name} not found`)
            const ts = tsType(file, field.type, fieldType, inner || undefined)
            const defaulted = field.default === undefined ? '' : ` Default: ${JSON.stringify(field.default)}.`
            const doc =
              field.doc === undefined && defaulted === '' ? undefined : `${field.doc ?? ''}${defaulted}`
            return `${jsDoc(doc?.trim(), '  ')}  readonly ${field.name}: ${ts}\n`
          })
          return `${jsDoc(node.doc)}export interface ${name.slice(name.lastIndexOf('.') + 1)} {\n${fields.join('')}}\n`
        })
      }
      case 'enum': {
        const name = fullName(node.name, node.namespace ?? namespace)
        return declare(file, name, type, () => {
          const ts = name.slice(name.lastIndexOf('.') + 1)
          const members = node.symbols.map((s) => `  ${s}: '${s}',\n`).join('')
          const fallback =
            node.default === undefined ? '' : ` Readers map unknown symbols to ${node.default}.`
          return (
            `${jsDoc(`${node.doc ?? ''}${fallback}`.trim())}export const ${ts} = {\n${members}} as const\n` +
            `export type ${ts} = (typeof ${ts})[keyof typeof ${ts}]\n`
          )
        })
      }
      case 'fixed': {
        const name = fullName(node.name, node.namespace ?? namespace)
        return declare(file, name, type, () => {
          const ts = name.slice(name.lastIndexOf('.') + 1)
          return `/** ${node.size} bytes. */\nexport type ${ts} = Buffer\n`
        })
      }
      case 'array': {
        const items = (type as avsc.types.ArrayType).itemsType
        return `ReadonlyArray<${tsType(file, node.items, items, namespace)}>`
      }
      case 'map': {
        const values = (type as avsc.types.MapType).valuesType as avsc.Type
        return `Readonly<Record<string, ${tsType(file, node.values, values, namespace)}>>`
      }
      default: {
        const brand = node[BRAND_ATTRIBUTE]
        if (brand !== undefined) {
          if (node.type !== 'string')
            fail(file, `${BRAND_ATTRIBUTE} ${brand} is on a ${node.type}; brands are for strings`)
          if (!(brand in BRANDS))
            fail(file, `unknown ${BRAND_ATTRIBUTE} ${brand}; add it to src/ids.ts first`)
          brandsUsed.add(brand)
          return brand
        }
        if (node.logicalType === 'timestamp-millis') {
          if (node.type !== 'long') fail(file, 'timestamp-millis must annotate a long')
          usesTimestamp = true
          return 'TimestampMillis'
        }
        const primitive = PRIMITIVES[node.type]
        return primitive ?? fail(file, `unsupported type ${JSON.stringify(node.type)}`)
      }
    }
  }

  const contracts: { tsName: string; name: string; file: string; doc: string | undefined }[] = []
  for (const { file, schema } of [...sources].sort((a, b) => a.file.localeCompare(b.file))) {
    const type = avroType(schema, file)
    const tsName = tsType(file, schema, type, undefined)
    contracts.push({ tsName, name: fullName(schema.name, schema.namespace), file, doc: schema.doc })
  }

  const imports = [...brandsUsed].sort()
  if (usesTimestamp) imports.push('TimestampMillis')
  const types =
    HEADER +
    (imports.length > 0 ? `import type { ${imports.join(', ')} } from '../ids.ts'\n` : '') +
    [...declarations.values()]
      .sort((a, b) => a.fullName.localeCompare(b.fullName))
      .map((d) => `\n${d.code}`)
      .join('')

  const contractLines = contracts
    .map(
      (c) => `${jsDoc(c.doc, '  ')}  ${c.tsName}: defineContract<${c.tsName}>('${c.file}', '${c.name}'),\n`,
    )
    .join('')
  const contractsFile =
    HEADER +
    `import { defineContract } from '../contract.ts'\n` +
    `import type { ${contracts.map((c) => c.tsName).join(', ')} } from './types.ts'\n\n` +
    `/** Every top-level record, one per .avsc file, by its TypeScript name. */\n` +
    `export const Contracts = {\n${contractLines}} as const\n\n` +
    `export type ContractName = keyof typeof Contracts\n`

  return new Map([
    ['types.ts', types],
    ['contracts.ts', contractsFile],
  ])
}
