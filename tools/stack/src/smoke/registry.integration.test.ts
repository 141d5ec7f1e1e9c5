import { randomUUID } from 'node:crypto'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { integrationTest, serviceUrl } from '@oxagry/testkit'

const test = await integrationTest('schemaRegistry')
const registry = new SchemaRegistry({ host: serviceUrl('schemaRegistry') })

const v1 = {
  type: 'record',
  name: 'SmokePing',
  namespace: 'dev.oxagry.smoke',
  fields: [{ name: 'machineId', type: 'string' }],
}

test('a schema registers, is fetched by id and encodes in the Confluent framing', async (t) => {
  const subject = `smoke-${randomUUID()}-value`
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })
  t.true(Number.isInteger(id) && id > 0)
  t.is(await registry.getLatestSchemaId(subject), id)
  const fetched = (await registry.getSchema(id)) as unknown as { name: string }
  t.is(fetched.name, 'dev.oxagry.smoke.SmokePing')

  const bytes = await registry.encode(id, { machineId: 'm-1' })
  t.is(bytes[0], 0)
  t.is(bytes.readUInt32BE(1), id)
  t.deepEqual({ ...(await registry.decode(bytes)) }, { machineId: 'm-1' })
})

test('an incompatible schema is rejected under BACKWARD compatibility', async (t) => {
  const subject = `smoke-${randomUUID()}-value`
  await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })
  // A new required field without a default cannot read old data: BACKWARD forbids it.
  const incompatible = { ...v1, fields: [...v1.fields, { name: 'speed', type: 'double' }] }
  await t.throwsAsync(
    registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject }),
  )
  const compatible = {
    ...v1,
    fields: [...v1.fields, { name: 'speed', type: ['null', 'double'], default: null }],
  }
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
    { subject },
  )
  t.is(await registry.getLatestSchemaId(subject), id)
})
