import test from 'ava'
import { contractOf } from './contract.ts'
import type { AvroError } from './errors.ts'
import { AVRO_ERROR_CODES, isAvroError } from './errors.ts'
import { frameHeader } from './framing.ts'
import { Contracts } from './generated/contracts.ts'
import type { MachinePing } from './generated/types.ts'
import { ConfluentSchemaRegistry } from './registry/confluent.ts'
import { InMemorySchemaRegistry } from './registry/in-memory.ts'
import { createAvroSerde } from './serde.ts'
import { plain } from './testing/plain.ts'
import { SAMPLES } from './testing/samples.ts'

const TOPIC = 'fleet.machine-pings.v1'
const ping = SAMPLES.MachinePing[0]?.value as MachinePing

async function pingSerde(registry = new InMemorySchemaRegistry()) {
  return createAvroSerde({ registry, contract: Contracts.MachinePing, topics: [TOPIC], autoRegister: true })
}

/** The error a call throws synchronously or rejects with. */
async function failure(call: () => unknown): Promise<AvroError> {
  try {
    await call()
  } catch (error) {
    if (isAvroError(error)) return error
    throw error
  }
  throw new Error('expected a failure')
}

test('warm, serialize and deserialize answer without a promise', async (t) => {
  const serde = await pingSerde()
  const bytes = serde.serialize(TOPIC, ping, {})
  t.true(Buffer.isBuffer(bytes))
  const value = serde.deserialize(TOPIC, bytes as Buffer, {})
  t.false(value instanceof Promise)
  t.deepEqual(plain(value), plain(ping))
})

test('cold, the first write to a topic and the first read of an id return promises, then answer synchronously', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const writer = await createAvroSerde({ registry, contract: Contracts.MachinePing, autoRegister: true })
  const first = writer.serialize('other.topic.v1', ping, {})
  t.true(first instanceof Promise)
  const bytes = await first
  t.true(Buffer.isBuffer(writer.serialize('other.topic.v1', ping, {})))
  t.is(writer.schemaIdFor('other.topic.v1'), bytes.readInt32BE(1))

  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const cold = reader.deserialize('other.topic.v1', bytes, {})
  t.true(cold instanceof Promise)
  t.deepEqual(plain(await cold), plain(ping))
  t.false(reader.deserialize('other.topic.v1', bytes, {}) instanceof Promise)
})

test('the schema is registered under <topic>-value, or <topic>-key for a key serde', async (t) => {
  const registry = new InMemorySchemaRegistry()
  await createAvroSerde({ registry, contract: Contracts.MachinePing, topics: ['a.b.v1'], autoRegister: true })
  await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    topics: ['a.b.v1'],
    autoRegister: true,
    isKey: true,
  })
  t.is(registry.versions('a.b.v1-value').length, 1)
  t.is(registry.versions('a.b.v1-key').length, 1)
})

test('without autoRegister, a schema missing from the subject fails with SCHEMA_NOT_REGISTERED', async (t) => {
  const error = await failure(() =>
    createAvroSerde({
      registry: new InMemorySchemaRegistry(),
      contract: Contracts.MachinePing,
      topics: [TOPIC],
    }),
  )
  t.is(error.code, AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED)
  t.is(error.topic, TOPIC)
  t.regex(error.message, /fleet\.machine-pings\.v1-value/)
})

test('a wrong magic byte is BAD_MAGIC_BYTE with the topic, thrown synchronously', async (t) => {
  const serde = await pingSerde()
  const bytes = Buffer.from(serde.serialize(TOPIC, ping, {}) as Buffer)
  bytes[0] = 1
  const error = t.throws(() => serde.deserialize(TOPIC, bytes, {}))
  t.true(isAvroError(error, AVRO_ERROR_CODES.BAD_MAGIC_BYTE))
  t.is((error as AvroError).topic, TOPIC)
  t.false((error as AvroError).retriable)
  t.true(
    isAvroError(
      t.throws(() => serde.deserialize(TOPIC, Buffer.from('{"lat":1}'), {})),
      'OXA_AVRO_BAD_MAGIC_BYTE',
    ),
  )
})

test('fewer bytes than the header, or a body cut short, is TRUNCATED_PAYLOAD', async (t) => {
  const serde = await pingSerde()
  const bytes = serde.serialize(TOPIC, ping, {}) as Buffer
  for (const cut of [bytes.subarray(0, 3), bytes.subarray(0, bytes.length - 4), bytes.subarray(0, 5)]) {
    const error = await failure(() => serde.deserialize(TOPIC, cut, {}))
    t.is(error.code, AVRO_ERROR_CODES.TRUNCATED_PAYLOAD, `${cut.length} bytes`)
    t.is(error.topic, TOPIC)
  }
})

test('trailing bytes or an impossible union or enum index is CORRUPT_PAYLOAD', async (t) => {
  const serde = await pingSerde()
  const bytes = serde.serialize(TOPIC, ping, {}) as Buffer
  const trailing = Buffer.concat([bytes, Buffer.from([0])])
  t.is((await failure(() => serde.deserialize(TOPIC, trailing, {}))).code, AVRO_ERROR_CODES.CORRUPT_PAYLOAD)
  // The standing sample ends with engineState (an enum index) and fuelLevelPercent null (union index 0).
  const standing = serde.serialize(TOPIC, SAMPLES.MachinePing[1]?.value as MachinePing, {}) as Buffer
  const badUnion = Buffer.from(standing)
  badUnion[badUnion.length - 1] = 0x0e // zig-zag 7: no such branch
  t.is((await failure(() => serde.deserialize(TOPIC, badUnion, {}))).code, AVRO_ERROR_CODES.CORRUPT_PAYLOAD)
  const badEnum = Buffer.from(standing)
  badEnum[badEnum.length - 2] = 0x20 // zig-zag 16: no such symbol
  t.is((await failure(() => serde.deserialize(TOPIC, badEnum, {}))).code, AVRO_ERROR_CODES.CORRUPT_PAYLOAD)
})

test('a schema id the registry does not know is UNKNOWN_SCHEMA_ID with the topic and id', async (t) => {
  const serde = await pingSerde()
  const body = (serde.serialize(TOPIC, ping, {}) as Buffer).subarray(5)
  const error = await failure(() => serde.deserialize(TOPIC, Buffer.concat([frameHeader(424242), body]), {}))
  t.is(error.code, AVRO_ERROR_CODES.UNKNOWN_SCHEMA_ID)
  t.is(error.topic, TOPIC)
  t.is(error.context.schemaId, 424242)
  t.false(error.retriable)
})

test('a registry that cannot be reached is REGISTRY_UNAVAILABLE, retriable, with the topic', async (t) => {
  // Port 9 (discard) is closed on loopback: the connection is refused at once.
  const registry = new ConfluentSchemaRegistry({ url: 'http://127.0.0.1:9/apis/ccompat/v7', retries: 0 })
  const serde = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const error = await failure(() =>
    serde.deserialize(TOPIC, Buffer.concat([frameHeader(7), Buffer.from([0])]), {}),
  )
  t.is(error.code, AVRO_ERROR_CODES.REGISTRY_UNAVAILABLE)
  t.true(error.retriable)
  t.is(error.topic, TOPIC)
  const write = await failure(() => serde.serialize(TOPIC, ping, {}))
  t.is(write.code, AVRO_ERROR_CODES.REGISTRY_UNAVAILABLE)
  t.true(write.retriable)
})

test('a value that does not match the schema is INVALID_RECORD naming the field', async (t) => {
  const serde = await pingSerde()
  const error = await failure(() => serde.serialize(TOPIC, { ...ping, sequence: 1.5 }, {}))
  t.is(error.code, AVRO_ERROR_CODES.INVALID_RECORD)
  t.is(error.context.field, 'sequence')
  t.regex(error.message, /at sequence/)
})

test('records bigger than the scratch buffer are encoded whole', async (t) => {
  const contract = contractOf<{ blob: string }>({
    type: 'record',
    name: 'Big',
    fields: [{ name: 'blob', type: 'string' }],
  })
  const serde = await createAvroSerde({
    registry: new InMemorySchemaRegistry(),
    contract,
    topics: ['big'],
    autoRegister: true,
  })
  const blob = 'x'.repeat(100_000)
  const bytes = serde.serialize('big', { blob }, {}) as Buffer
  t.is(bytes.length, 5 + 3 + blob.length)
  t.is((serde.deserialize('big', bytes, {}) as { blob: string }).blob, blob)
})

test('options are checked once, with the path of the bad one', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const bad = [
    [{ registry: {}, contract: Contracts.MachinePing }, /\/options\/registry/],
    [{ registry, contract: {} }, /\/options\/contract/],
    [{ registry, contract: Contracts.MachinePing, topics: [''] }, /\/options\/topics\/0/],
  ] as const
  for (const [options, message] of bad) {
    const error = await failure(() => createAvroSerde(options as never))
    t.is(error.code, AVRO_ERROR_CODES.INVALID_OPTIONS)
    t.regex(error.message, message)
  }
  t.throws(() => new ConfluentSchemaRegistry({ url: 'localhost:8081' }), { message: /\/options\/url/ })
})
