import { basename } from 'node:path'
import test from 'ava'
import { Contracts } from './generated/contracts.ts'
import {
  listSchemaFiles,
  readSchemaFile,
  type AvroField,
  type AvroRecordSchema,
  type AvroSchema,
} from './schema.ts'

// What the project asks of every .avsc beyond Avro's own rules (docs, namespaces, logical types).
const files = listSchemaFiles()

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

/** Every field of every record in a schema, with the record it belongs to. */
function fieldsOf(schema: AvroSchema, out: { record: AvroRecordSchema; field: AvroField }[] = []) {
  if (Array.isArray(schema)) for (const branch of schema as AvroSchema[]) fieldsOf(branch, out)
  else if (typeof schema === 'object') {
    const node = schema as { type: string }
    if (node.type === 'record') {
      const record = schema as AvroRecordSchema
      for (const field of record.fields) {
        out.push({ record, field })
        fieldsOf(field.type, out)
      }
    } else if (node.type === 'array') fieldsOf((schema as { items: AvroSchema }).items, out)
    else if (node.type === 'map') fieldsOf((schema as { values: AvroSchema }).values, out)
  }
  return out
}

/** The non-null branch of an optional type, or the type itself. */
function core(type: AvroSchema): AvroSchema {
  return Array.isArray(type) ? ((type as AvroSchema[]).find((b) => b !== 'null') ?? 'null') : type
}

test('there is a schema file per contract and a contract per schema file', (t) => {
  t.deepEqual(
    Object.values(Contracts)
      .map((c) => c.file)
      .sort(),
    files,
  )
  t.true(files.length >= 11)
})

for (const file of files) {
  test(`${file}: namespaced by its folder, named like its file, documented on every record and field`, (t) => {
    const schema = readSchemaFile(file)
    t.is(schema.namespace, `dev.oxagry.${file.split('/')[0]}`)
    t.is(basename(file, '.avsc'), kebab(schema.name))
    const fields = fieldsOf(schema)
    for (const { record, field } of fields) {
      t.truthy(record.doc, `record ${record.name} has no doc`)
      t.truthy(field.doc, `${record.name}.${field.name} has no doc`)
    }
  })

  test(`${file}: times are timestamp-millis, money is long minor units beside a currency, optionals default to null`, (t) => {
    for (const { record, field } of fieldsOf(readSchemaFile(file))) {
      const type = core(field.type) as { type?: string; logicalType?: string }
      const where = `${record.name}.${field.name}`
      if (/(At|Time|Timestamp)$/.test(field.name)) {
        t.deepEqual(
          [type.type, type.logicalType],
          ['long', 'timestamp-millis'],
          `${where} must be timestamp-millis`,
        )
      }
      if (field.name.endsWith('Minor')) {
        t.is(core(field.type), 'long', `${where}: minor units are a long`)
        t.true(
          record.fields.some((f) => f.name === 'currency') || record.name === 'OrderItem',
          `${where} has no currency beside it`,
        )
      }
      if (Array.isArray(field.type) && (field.type as AvroSchema[])[0] === 'null') {
        t.is(field.default, null, `${where} is optional and must default to null, so it can be added later`)
      }
    }
  })
}
