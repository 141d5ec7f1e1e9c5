import { randomUUID } from 'node:crypto'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { contractOf } from '../contract.ts'
import { AVRO_ERROR_CODES, AvroError } from '../errors.ts'
import { frameHeader } from '../framing.ts'
import { Contracts } from '../generated/contracts.ts'
import type { MachinePing } from '../generated/types.ts'
import type { AvroField, AvroRecordSchema } from '../schema.ts'
import { createAvroSerde } from '../serde.ts'
import { plain } from '../testing/plain.ts'
import { SAMPLES } from '../testing/samples.ts'
import { ConfluentSchemaRegistry } from './confluent.ts'

const test = await integrationTest('schemaRegistry')
const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry'), clientId: 'avro-it' })
const ping = SAMPLES.MachinePing[0]?.value as MachinePing
const created: string[] = []

function topic(): string {
  const name = `it.avro-${randomUUID()}.v1`
  created.push(`${name}-value`)
  return name
}

function evolve(edit: (fields: AvroField[]) => AvroField[]): AvroRecordSchema {
  const copy = structuredClone(Contracts.MachinePing.schema) as AvroRecordSchema & { fields: AvroField[] }
  return { ...copy, fields: edit(copy.fields) }
}

test.after(async () => {
  await Promise.allSettled(created.map((subject) => registry.deleteSubject(subject)))
})

test('a serde registers under <topic>-value, writes the registry id in the frame and reads it back', async (t) => {
  const name = topic()
  const writer = await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    topics: [name],
    autoRegister: true,
  })
  const bytes = writer.serialize(name, ping, {})
  t.true(Buffer.isBuffer(bytes), 'warmed by the factory: synchronous')
  const id = (bytes as Buffer).readInt32BE(1)
  t.is((await registry.latestVersion(`${name}-value`))?.id, id)
  t.is(await registry.lookup(`${name}-value`, Contracts.MachinePing.schema), id)

  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const cold = reader.deserialize(name, bytes as Buffer, {})
  t.true(cold instanceof Promise, 'first read of an id fetches the writer schema')
  t.deepEqual(plain(await cold), plain(ping))
  t.false(reader.deserialize(name, bytes as Buffer, {}) instanceof Promise, 'then cached')
})

test('a new subject gets BACKWARD; a set level is kept; an incompatible version is refused', async (t) => {
  const name = topic()
  const subject = `${name}-value`
  t.is(await registry.subjectCompatibility(subject), undefined)
  await registry.register(subject, Contracts.MachinePing.schema)
  t.is(await registry.subjectCompatibility(subject), 'BACKWARD')
  await registry.setSubjectCompatibility(subject, 'FULL')
  t.is(await registry.subjectCompatibility(subject), 'FULL')

  const optional = evolve((f) => [...f, { name: 'altitudeMeters', type: ['null', 'double'], default: null }])
  const typeChanged = evolve((f) =>
    f.map((x) => (x.name === 'accuracyMeters' ? { ...x, type: 'string' } : x)),
  )
  const removed = evolve((f) => f.filter((x) => x.name !== 'speedKmh'))
  t.true(await registry.isCompatible(subject, optional))
  t.false(await registry.isCompatible(subject, typeChanged))
  t.false(await registry.isCompatible(subject, removed), 'FULL: old readers need speedKmh')

  const error = await t.throwsAsync(registry.register(subject, typeChanged))
  t.true(error instanceof AvroError && error.code === AVRO_ERROR_CODES.REGISTRY_REJECTED)
  t.false((error as AvroError).retriable)
  const v2 = await registry.register(subject, optional)
  t.is((await registry.latestVersion(subject))?.version, 2)
  t.is((await registry.latestVersion(subject))?.id, v2)
})

test('a consumer built with the older schema reads data written with the newer one', async (t) => {
  const name = topic()
  const newer = contractOf<MachinePing & { altitudeMeters: number | null }>(
    evolve((f) => [...f, { name: 'altitudeMeters', type: ['null', 'double'], default: null }]),
  )
  await registry.register(`${name}-value`, Contracts.MachinePing.schema)
  const writer = await createAvroSerde({ registry, contract: newer, topics: [name], autoRegister: true })
  const bytes = writer.serialize(name, { ...ping, altitudeMeters: 74 }, {}) as Buffer
  const oldReader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  await oldReader.prefetch(bytes.readInt32BE(1))
  t.deepEqual(plain(oldReader.deserialize(name, bytes, {})), plain(ping))
})

test('an id the registry does not know is UNKNOWN_SCHEMA_ID, not retriable', async (t) => {
  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const error = await t.throwsAsync(async () =>
    reader.deserialize('it.unknown.v1', Buffer.concat([frameHeader(2_000_000_000), Buffer.from([0])]), {}),
  )
  t.true(error instanceof AvroError && error.code === AVRO_ERROR_CODES.UNKNOWN_SCHEMA_ID)
  t.is((error as AvroError).topic, 'it.unknown.v1')
  t.false((error as AvroError).retriable)
})
