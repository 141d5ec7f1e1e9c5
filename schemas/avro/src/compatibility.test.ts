import test from 'ava'
import { evolutionIssues, readIssues } from './compatibility.ts'
import { contractOf } from './contract.ts'
import { AVRO_ERROR_CODES, isAvroError } from './errors.ts'
import { Contracts } from './generated/contracts.ts'
import type { MachinePing } from './generated/types.ts'
import { InMemorySchemaRegistry } from './registry/in-memory.ts'
import type { AvroField, AvroRecordSchema } from './schema.ts'
import { createAvroSerde } from './serde.ts'
import { plain } from './testing/plain.ts'
import { SAMPLES } from './testing/samples.ts'

const TOPIC = 'fleet.machine-pings.v1'
const v1 = Contracts.MachinePing.schema
const ping = SAMPLES.MachinePing[0]?.value as MachinePing

function withFields(schema: AvroRecordSchema, edit: (fields: AvroField[]) => AvroField[]): AvroRecordSchema {
  const copy = structuredClone(schema) as AvroRecordSchema & { fields: AvroField[] }
  return { ...copy, fields: edit(copy.fields) }
}

const withAltitude = withFields(v1, (fields) => [
  ...fields,
  { name: 'altitudeMeters', type: ['null', 'double'], default: null, doc: 'Height above sea level.' },
])
const withoutSpeed = withFields(v1, (fields) => fields.filter((f) => f.name !== 'speedKmh'))
const accuracyAsString = withFields(v1, (fields) =>
  fields.map((f) => (f.name === 'accuracyMeters' ? { ...f, type: 'string' } : f)),
)

test('adding an optional field is compatible both ways (FULL)', (t) => {
  t.deepEqual(evolutionIssues(withAltitude, v1, 'FULL'), [])
  t.deepEqual(evolutionIssues(withAltitude, v1, 'FULL_TRANSITIVE'), [])
})

test('adding an optional field: a consumer on the old schema reads new data, one on the new schema reads old data', async (t) => {
  const registry = new InMemorySchemaRegistry({ compatibility: 'FULL' })
  const v2 = contractOf<MachinePing & { altitudeMeters: number | null }>(withAltitude)
  const oldSerde = await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    topics: [TOPIC],
    autoRegister: true,
  })
  const newSerde = await createAvroSerde({ registry, contract: v2, topics: [TOPIC], autoRegister: true })
  t.is(registry.versions(`${TOPIC}-value`).length, 2)

  const newBytes = (await newSerde.serialize(TOPIC, { ...ping, altitudeMeters: 61.5 }, {})) as Buffer
  t.deepEqual(plain(await oldSerde.deserialize(TOPIC, newBytes, {})), plain(ping))
  const oldBytes = (await oldSerde.serialize(TOPIC, ping, {})) as Buffer
  t.deepEqual(
    plain(await newSerde.deserialize(TOPIC, oldBytes, {})),
    plain({ ...ping, altitudeMeters: null }),
  )
})

test('removing a required field is rejected where old readers must read new data, naming the field', (t) => {
  const issues = evolutionIssues(withoutSpeed, v1, 'FULL')
  t.is(issues.length, 1)
  t.is(issues[0]?.path, 'MachinePing.speedKmh')
  t.regex(issues[0]?.message ?? '', /FORWARD.*speedKmh.*no default/)
  t.is(evolutionIssues(withoutSpeed, v1, 'FORWARD').length, 1)
  // BACKWARD alone allows it: the new reader just ignores the old field. That is why event topics use FULL.
  t.deepEqual(evolutionIssues(withoutSpeed, v1, 'BACKWARD'), [])
})

test('changing a field type is rejected both ways, naming the field', (t) => {
  for (const level of ['BACKWARD', 'FORWARD'] as const) {
    const issues = evolutionIssues(accuracyAsString, v1, level)
    t.is(issues[0]?.path, 'MachinePing.accuracyMeters', level)
    t.regex(issues[0]?.message ?? '', /type changed/)
  }
})

test('adding a required field without a default is rejected (BACKWARD)', (t) => {
  const added = withFields(v1, (fields) => [...fields, { name: 'altitudeMeters', type: 'double' }])
  const issues = evolutionIssues(added, v1, 'BACKWARD')
  t.deepEqual(
    issues.map((i) => i.path),
    ['MachinePing.altitudeMeters'],
  )
  t.regex(issues[0]?.message ?? '', /absent from the writer's schema and the reader's has no default/)
})

test('numeric promotion is allowed one way only (int to long)', (t) => {
  const record = (type: string): AvroRecordSchema => ({
    type: 'record',
    name: 'R',
    fields: [{ name: 'n', type }],
  })
  t.deepEqual(readIssues(record('long'), record('int')), [])
  t.deepEqual(
    readIssues(record('int'), record('long')).map((i) => i.path),
    ['R.n'],
  )
})

test('a field deep inside a union branch is named with its path', (t) => {
  const quantityAsInt = JSON.parse(
    JSON.stringify(Contracts.OrderEvent.schema).replace(
      '"name":"quantity","type":"long"',
      '"name":"quantity","type":"int"',
    ),
  ) as AvroRecordSchema
  t.notDeepEqual(quantityAsInt, Contracts.OrderEvent.schema)
  const issues = evolutionIssues(quantityAsInt, Contracts.OrderEvent.schema, 'BACKWARD')
  t.deepEqual(
    issues.map((i) => i.path),
    ['OrderEvent.payload<OrderPlaced>.items[].quantity'],
  )
})

test('enum symbols: new ones need a default symbol for old readers', (t) => {
  const direction = withFields(Contracts.GeofenceTransition.schema, (fields) =>
    fields.map((f) =>
      f.name === 'direction'
        ? {
            ...f,
            type: { type: 'enum', name: 'TransitionDirection', symbols: ['ENTERED', 'EXITED', 'DWELLING'] },
          }
        : f,
    ),
  )
  const issues = evolutionIssues(direction, Contracts.GeofenceTransition.schema, 'FULL')
  t.deepEqual(
    issues.map((i) => i.path),
    ['GeofenceTransition.direction'],
  )
  t.regex(issues[0]?.message ?? '', /DWELLING/)

  const engine = JSON.parse(
    JSON.stringify(v1).replace('"RUNNING","UNKNOWN"', '"RUNNING","STALLED","UNKNOWN"'),
  ) as AvroRecordSchema
  t.notDeepEqual(engine, v1)
  t.deepEqual(evolutionIssues(engine, v1, 'FULL'), [], 'EngineState has a default symbol')
})

test('a new event type (union branch) is BACKWARD compatible only', (t) => {
  const withBranch = structuredClone(Contracts.OrderEvent.schema) as AvroRecordSchema & {
    fields: AvroField[]
  }
  const payload = withBranch.fields.find((f) => f.name === 'payload') as AvroField & { type: unknown[] }
  payload.type.push({ type: 'record', name: 'OrderDispatched', doc: 'x', fields: [] })
  t.deepEqual(evolutionIssues(withBranch, Contracts.OrderEvent.schema, 'BACKWARD'), [])
  t.regex(
    evolutionIssues(withBranch, Contracts.OrderEvent.schema, 'FORWARD')[0]?.message ?? '',
    /OrderDispatched/,
  )
})

test('the in-memory registry refuses an incompatible version, naming the field', async (t) => {
  const registry = new InMemorySchemaRegistry()
  registry.setCompatibility('s-value', 'FULL')
  await registry.register('s-value', v1)
  const error = await t.throwsAsync(registry.register('s-value', withoutSpeed))
  t.true(isAvroError(error, AVRO_ERROR_CODES.REGISTRY_REJECTED))
  t.regex(error?.message ?? '', /MachinePing\.speedKmh/)
  t.is(await registry.register('s-value', withAltitude), registry.idOf(withAltitude))
})

test('reading data whose writer schema is incompatible is INCOMPATIBLE_SCHEMA naming the field, then fails fast', async (t) => {
  const registry = new InMemorySchemaRegistry({ compatibility: 'NONE' })
  const writer = await createAvroSerde({
    registry,
    contract: contractOf<unknown>(accuracyAsString),
    topics: [TOPIC],
    autoRegister: true,
  })
  const bytes = (await writer.serialize(TOPIC, { ...ping, accuracyMeters: 'good' }, {})) as Buffer
  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const error = await t.throwsAsync(async () => reader.deserialize(TOPIC, bytes, {}))
  t.true(isAvroError(error, AVRO_ERROR_CODES.INCOMPATIBLE_SCHEMA))
  t.regex(error?.message ?? '', /MachinePing\.accuracyMeters/)
  t.is((error as { topic?: string }).topic, TOPIC)
  // Known bad: the second record fails without a registry round trip.
  t.throws(() => reader.deserialize(TOPIC, bytes, {}), {
    code: AVRO_ERROR_CODES.INCOMPATIBLE_SCHEMA,
  } as never)
})
