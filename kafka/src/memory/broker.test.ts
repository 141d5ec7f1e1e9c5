import test from 'ava'
import type { ProducedRecord } from '../types.ts'
import { MemoryBroker } from './broker.ts'

const record = (
  topic: string,
  key: string | null,
  value: string | null,
  timestamp: number,
): ProducedRecord => ({
  topic,
  partition: 0,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  timestamp,
  headers: {},
})

function read(broker: MemoryBroker, topic: string, readCommitted = false): string[] {
  return broker
    .fetch(topic, 0, 0, 1000, readCommitted)
    .records.map((r) => `${r.offset}:${r.key?.toString() ?? '-'}=${r.value?.toString() ?? 'null'}`)
}

test('delete policy: records past retention go, offsets stay, readers below the start read from it', (t) => {
  let now = 8_000
  const broker = new MemoryBroker({ now: () => now })
  broker.createTopic({
    name: 'pings',
    partitions: 1,
    config: { 'cleanup.policy': 'delete', 'retention.ms': '1000' },
  })
  broker.append([record('pings', 'a', 'old', 8_000), record('pings', 'b', 'old', 8_000)])
  // Retention runs from a record's arrival: an old timestamp alone does not delete it as it arrives.
  now = 9_500
  broker.append([record('pings', 'c', 'new', 1)])
  now = 10_000
  broker.clean()
  t.deepEqual(read(broker, 'pings'), ['2:c=new'])
  t.is(broker.startOffset('pings', 0), 2)
  t.is(broker.endOffset('pings', 0), 3)
  t.is(broker.fetch('pings', 0, 0, 10, false).next, 3)
  broker.append([record('pings', 'd', 'next', 10_000)])
  t.deepEqual(read(broker, 'pings'), ['2:c=new', '3:d=next'])
})

test('compact policy: the newest record of each key stays, replaced ones go, tombstones after their retention', (t) => {
  let now = 1_000
  const broker = new MemoryBroker({ now: () => now })
  broker.createTopic({
    name: 'positions',
    partitions: 1,
    config: { 'cleanup.policy': 'compact', 'delete.retention.ms': '500' },
  })
  broker.append([
    record('positions', 'a', 'a1', 1_000),
    record('positions', 'b', 'b1', 1_000),
    record('positions', 'a', 'a2', 1_000),
    record('positions', 'c', 'c1', 1_000),
    record('positions', 'b', null, 1_000),
  ])
  broker.clean()
  t.deepEqual(
    read(broker, 'positions'),
    ['2:a=a2', '3:c=c1', '4:b=null'],
    'the tombstone stays for its readers',
  )
  now = 2_000
  broker.clean()
  t.deepEqual(read(broker, 'positions'), ['2:a=a2', '3:c=c1'])
  t.is(broker.endOffset('positions', 0), 5)
  t.is(broker.fetch('positions', 0, 4, 10, false).next, 5, 'a position in a gap moves on to the end')
})

test('cleanup never touches an undecided transaction, and compaction drops aborted records', (t) => {
  const now = 100_000
  const broker = new MemoryBroker({ now: () => now })
  broker.createTopic({ name: 'counts', partitions: 1, config: { 'cleanup.policy': 'compact' } })
  const aborted = broker.beginTransaction('t1', broker.initTransactions('t1'))
  broker.append([record('counts', 'a', 'aborted', now)], aborted)
  broker.endTransaction('t1', 1, aborted, false, new Map())
  broker.append([record('counts', 'a', 'a1', now)])
  const open = broker.beginTransaction('t2', broker.initTransactions('t2'))
  broker.append([record('counts', 'a', 'pending', now)], open)
  broker.append([record('counts', 'a', 'a2', now)])
  broker.clean()
  t.deepEqual(read(broker, 'counts'), ['1:a=a1', '2:a=pending', '3:a=a2'])
  t.deepEqual(read(broker, 'counts', true), ['1:a=a1'], 'read_committed stops at the open transaction')
})

test('the broker cleans by itself as records arrive, and maxRetentionMs caps what a topic keeps', (t) => {
  let now = 0
  const broker = new MemoryBroker({ now: () => now, maxRetentionMs: 60_000 })
  broker.createTopic({ name: 'pings', partitions: 1, config: { 'retention.ms': String(7 * 86_400_000) } })
  broker.append(Array.from({ length: 3000 }, (_, i) => record('pings', `m${i % 10}`, 'x', 0)))
  now = 120_000
  broker.append(Array.from({ length: 3000 }, (_, i) => record('pings', `m${i % 10}`, 'x', now)))
  t.is(
    broker.heldRecords('pings', 0),
    3000,
    'the first hour-old half went with the append that made a cleaning due',
  )
  t.is(broker.startOffset('pings', 0), 3000)
  t.is(broker.endOffset('pings', 0), 6000)
})
