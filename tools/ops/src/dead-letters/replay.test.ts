import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { DEAD_LETTER_REPLAY_HEADER } from '@oxagry/topics'
import { parseFilter } from '../filter.ts'
import { deadLetterRecords, failure } from '../testing/dead-letters.ts'
import { deadLetterDecoder } from './envelope.ts'
import { defaultReplayGroup, replayedRecord } from './replay.ts'

const topic = 'orders.dead-letters.v1'

test('a replayed record is the original: key, value, headers, timestamp and partition, with the replay header', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const [record] = await deadLetterRecords(registry, topic, [failure()], 3)
  const d = await decode(record!)
  t.deepEqual(replayedRecord(d, 4), {
    topic: 'orders.order-commands.v1',
    partition: 1,
    key: Buffer.from('O-1'),
    value: Buffer.from([0, 0, 0, 0, 7, 2, 4]),
    timestamp: Date.UTC(2026, 10, 30, 9, 30),
    headers: {
      traceparent: Buffer.from('00-abc-def-01'),
      [DEAD_LETTER_REPLAY_HEADER]: Buffer.from(`${topic}:3:0`),
    },
  })
})

test('a source topic that lost the partition gets the record on its key partition', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const [record] = await deadLetterRecords(registry, topic, [failure({ partition: 5 })])
  t.false('partition' in replayedRecord(await decode(record!), 2))
})

test('a replay fails again: the second replay names the latest dead letter, not the first', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const decode = await deadLetterDecoder(registry)
  const [record] = await deadLetterRecords(registry, topic, [
    failure({ headers: { [DEAD_LETTER_REPLAY_HEADER]: Buffer.from(`${topic}:0:7`) } }),
  ])
  const replayed = replayedRecord(await decode({ ...record!, offset: '12' }), 4)
  t.deepEqual(replayed.headers[DEAD_LETTER_REPLAY_HEADER], Buffer.from(`${topic}:0:12`))
})

test('a replay group per topic and filter, whatever order the filter was given in', (t) => {
  t.is(defaultReplayGroup(topic, parseFilter([])), `oxagry-ops-replay.${topic}`)
  const a = defaultReplayGroup(topic, parseFilter(['stage=PROCESSING', 'application=orders-app']))
  const b = defaultReplayGroup(topic, parseFilter(['application=orders-app', 'stage=PROCESSING']))
  t.is(a, b)
  t.regex(a, new RegExp(`^oxagry-ops-replay\\.${topic.replaceAll('.', '\\.')}\\.[0-9a-f]{12}$`))
  t.not(a, defaultReplayGroup(topic, parseFilter(['application=orders-app'])))
})
