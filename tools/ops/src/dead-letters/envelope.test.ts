import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'
import { deadLetterRecords, failure } from '../testing/dead-letters.ts'
import { deadLetterDecoder, describeBytes, formatDeadLetter } from './envelope.ts'

const topic = 'orders.dead-letters.v1'

test('a dead letter decodes to its envelope and the facts filters look at', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const [record] = await deadLetterRecords(registry, topic, [failure()])
  const d = await decode(record!)
  t.like(d, {
    topic,
    partition: 0,
    offset: '0',
    application: 'orders-app',
    stage: 'PROCESSING',
    errorCode: 'OXA_ORDERS_INVALID',
    sourceTopic: 'orders.order-commands.v1',
    retriable: false,
    replayed: false,
  })
  t.deepEqual(d.envelope.key, Buffer.from('O-1'))
  t.is(d.replayOf, undefined)
})

test('show: source, reason, key and value as hex and text, headers, and the replay it failed in', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const [record] = await deadLetterRecords(registry, topic, [
    failure({
      headers: { [DEAD_LETTER_REPLAY_HEADER]: Buffer.from(`${topic}:0:3`), empty: Buffer.alloc(0) },
      retriable: true,
    }),
  ])
  const d = await decode(record!)
  t.true(d.replayed)
  const lines = formatDeadLetter(d, record!.key)
  t.deepEqual(lines.slice(0, 1), [`dead letter ${topic}:0:0 (key orders.order-commands.v1:1:17)`])
  t.deepEqual(lines.slice(2), [
    'application  orders-app',
    'stage        PROCESSING',
    'source       orders.order-commands.v1 partition 1 offset 17, timestamp 2026-11-30T09:30:00.000Z',
    'failed at    2026-11-30T09:30:00.000Z',
    'reason       OXA_ORDERS_INVALID (retriable): quantity must be positive',
    `replay of    ${topic}:0:3: this failure is of a replayed record`,
    'key          3 bytes',
    '             hex  4f2d31',
    '             utf8 "O-1"',
    'value        7 bytes, Confluent framing, schema id 7',
    '             hex  00000000070204',
    'header       empty: hex   | utf8 ""',
    `header       ${DEAD_LETTER_REPLAY_HEADER}: hex  ${Buffer.from(`${topic}:0:3`).toString('hex')} | utf8 "${topic}:0:3"`,
  ])
  t.regex(lines[1] ?? '', /^id {11}[0-9a-f-]{36}$/)
})

test('bytes: null, binary without text, and text', (t) => {
  t.deepEqual(describeBytes(null), ['(null)'])
  t.deepEqual(describeBytes(Buffer.from([1, 2, 0xff])), ['3 bytes', 'hex  0102ff'])
  t.deepEqual(describeBytes(Buffer.from('{"a":1}')), ['7 bytes', 'hex  7b2261223a317d', 'utf8 "{\\"a\\":1}"'])
})

test('a record that is not an envelope is a typed error naming its position', async (t) => {
  const decode = await deadLetterDecoder(new InMemorySchemaRegistry())
  const base = { topic, partition: 2, offset: '9', key: null, timestamp: 0, headers: {} }
  const bad = await t.throwsAsync(decode({ ...base, value: Buffer.from('not avro') }), {
    instanceOf: OpsError,
  })
  t.is(bad?.code, OPS_ERROR_CODES.INVALID_DEAD_LETTER)
  t.regex(bad?.message ?? '', /^orders\.dead-letters\.v1:2:9 is not a dead-letter envelope: /)
  const empty = await t.throwsAsync(decode({ ...base, value: null }), { instanceOf: OpsError })
  t.is(empty?.message, `${topic}:2:9 has no value: not a dead letter`)
})
