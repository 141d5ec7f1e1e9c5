import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { parseFilter } from '../filter.ts'
import { deadLetterRecords, failure } from '../testing/dead-letters.ts'
import { deadLetterDecoder } from './envelope.ts'
import { DeadLetterSummarizer, formatSummary } from './list.ts'

const topic = 'orders.dead-letters.v1'
const at = (minute: number): number => Date.UTC(2026, 10, 30, 9, minute)

async function records() {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const letters = await deadLetterRecords(registry, topic, [
    failure({ offset: 1, timestamp: at(1) }),
    failure({ offset: 2, timestamp: at(5) }),
    failure({
      offset: 3,
      timestamp: at(3),
      stage: 'DESERIALIZATION',
      errorCode: 'OXA_AVRO_BAD_MAGIC_BYTE',
      errorMessage: 'bad\nmagic',
    }),
    failure({
      offset: 4,
      timestamp: at(4),
      application: 'inventory-app',
      headers: { [DEAD_LETTER_REPLAY_HEADER]: Buffer.from(`${topic}:0:0`) },
    }),
  ])
  const junk = {
    topic,
    partition: 0,
    offset: '4',
    key: null,
    value: Buffer.from('junk'),
    timestamp: 0,
    headers: {},
  }
  return { decode, records: [...letters, junk] }
}

test('list: counts by application, stage and error code, the replayed ones, junk, and the most recent', async (t) => {
  const { decode, records: all } = await records()
  const summarizer = new DeadLetterSummarizer(topic, parseFilter([]), 2, decode)
  await summarizer.add(all.slice(0, 2))
  await summarizer.add(all.slice(2))
  const summary = summarizer.summary()
  t.is(summary.total, 4)
  t.is(summary.replayed, 1)
  t.is(summary.undecodable.count, 1)
  t.deepEqual(
    summary.recent.map((d) => d.offset),
    ['1', '3'],
    'newest failure first, two of them',
  )
  t.deepEqual(formatSummary(summary), [
    `${topic}: 4 dead letter(s) matching all`,
    '  count  application    stage            error code',
    '      2  orders-app     PROCESSING       OXA_ORDERS_INVALID',
    '      1  inventory-app  PROCESSING       OXA_ORDERS_INVALID',
    '      1  orders-app     DESERIALIZATION  OXA_AVRO_BAD_MAGIC_BYTE',
    '1 of them are failures of replayed records (filter replayed=true)',
    `1 record(s) are not dead-letter envelopes; the first: ${topic}:0:4 is not a dead-letter envelope: ${summary.undecodable.first?.split('envelope: ')[1] ?? ''}`,
    'most recent 2:',
    '  0:1  2026-11-30T09:05:00.000Z  orders-app PROCESSING OXA_ORDERS_INVALID  from orders.order-commands.v1:1:2  quantity must be positive',
    '  0:3  2026-11-30T09:04:00.000Z  inventory-app PROCESSING OXA_ORDERS_INVALID  from orders.order-commands.v1:1:4 (replayed)  quantity must be positive',
  ])
})

test('list with a filter counts only what matches; --limit 0 prints no recent ones', async (t) => {
  const { decode, records: all } = await records()
  const summarizer = new DeadLetterSummarizer(topic, parseFilter(['application=orders-app']), 0, decode)
  await summarizer.add(all)
  const summary = summarizer.summary()
  t.is(summary.total, 3)
  t.deepEqual(summary.recent, [])
  t.deepEqual(formatSummary(summary).slice(0, 4), [
    `${topic}: 3 dead letter(s) matching application=orders-app`,
    '  count  application  stage            error code',
    '      2  orders-app   PROCESSING       OXA_ORDERS_INVALID',
    '      1  orders-app   DESERIALIZATION  OXA_AVRO_BAD_MAGIC_BYTE',
  ])
})
