import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import test from 'ava'
import { startEmbeddedRegistry } from './app.ts'

const ping = {
  type: 'record',
  name: 'Ping',
  namespace: 'dev.oxagry.test',
  fields: [{ name: 'machineId', type: 'string' }],
}

test('the Confluent client registers, encodes and decodes against the embedded registry', async (t) => {
  const registry = await startEmbeddedRegistry()
  try {
    const client = new SchemaRegistry({ host: registry.url })
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(ping) },
      { subject: 'pings-value' },
    )
    const again = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(ping) },
      { subject: 'other-value' },
    )
    t.is(again.id, id, 'the same schema has one id across subjects')
    t.is(await client.getLatestSchemaId('pings-value'), id)
    const bytes = await client.encode(id, { machineId: 'MF-1' })
    t.is(bytes.readUInt32BE(1), id)
    t.deepEqual({ ...(await client.decode(bytes)) }, { machineId: 'MF-1' })
  } finally {
    await registry.close()
  }
})

test('BACKWARD by default: a new required field is rejected naming it; an optional one is accepted', async (t) => {
  const registry = await startEmbeddedRegistry()
  try {
    const client = new SchemaRegistry({ host: registry.url })
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ping) }, { subject: 's-value' })
    const required = { ...ping, fields: [...ping.fields, { name: 'speed', type: 'double' }] }
    const error = await t.throwsAsync(
      client.register({ type: SchemaType.AVRO, schema: JSON.stringify(required) }, { subject: 's-value' }),
    )
    t.regex(error.message, /speed/)
    const optional = {
      ...ping,
      fields: [...ping.fields, { name: 'speed', type: ['null', 'double'], default: null }],
    }
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(optional) },
      { subject: 's-value' },
    )
    t.is(await client.getLatestSchemaId('s-value'), id)
    const check = await fetch(`${registry.url}/compatibility/subjects/s-value/versions/latest`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(required) }),
    })
    t.deepEqual(await check.json(), { is_compatible: false })
  } finally {
    await registry.close()
  }
})

test('unknown ids and subjects answer with the Confluent error codes', async (t) => {
  const registry = await startEmbeddedRegistry()
  try {
    const missingId = await fetch(`${registry.url}/schemas/ids/99`)
    t.is(missingId.status, 404)
    t.is(((await missingId.json()) as { error_code: number }).error_code, 40403)
    const missingSubject = await fetch(`${registry.url}/subjects/nope/versions/latest`)
    t.is(((await missingSubject.json()) as { error_code: number }).error_code, 40401)
    const badLevel = await fetch(`${registry.url}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compatibility: 'SOMETIMES' }),
    })
    t.is(badLevel.status, 422)
  } finally {
    await registry.close()
  }
})
