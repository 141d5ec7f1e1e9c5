import { randomUUID } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { partitionForKey } from '../murmur2.ts'
import {
  tpKey,
  type BrokerRecord,
  type KafkaBackend,
  type ProducedRecord,
  type TopicPartition,
} from '../types.ts'

type Body = (t: ExecutionContext) => Promise<void>

/** The part of a test function the contract registers its tests with (ava's, or an integration suite's). */
export interface ContractTest {
  (title: string, body: Body): void
}

export interface ContractOptions {
  /** How long a group takes to settle (a join, a rebalance) on this backend. */
  readonly settleMs: number
  /**
   * Whether the backend knows at delivery that a batch caught up (`Batch.caughtUp`). One that learns it
   * only later (librdkafka's partition-EOF comes after the batch) must still never say so wrongly.
   */
  readonly caughtUpAtDelivery?: boolean
  /** Whether the backend's members report where their fetches found each partition's end. */
  readonly fetchedEnds?: boolean
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString())

function record(topic: string, value: string, extra: Partial<ProducedRecord> = {}): ProducedRecord {
  return { topic, key: null, value: Buffer.from(value), timestamp: 1_700_000_000_000, headers: {}, ...extra }
}

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** A group member that records what it is told, for the tests below. */
function member(backend: KafkaBackend, groupId: string, options: { readCommitted?: boolean } = {}) {
  const consumer = backend.consumer({
    groupId,
    clientId: `contract-${groupId}`,
    readCommitted: options.readCommitted ?? false,
  })
  const state = {
    consumer,
    owned: new Set<string>(),
    records: [] as BrokerRecord[],
    revoked: [] as TopicPartition[],
    onAssigned: undefined as ((partitions: readonly TopicPartition[]) => void) | undefined,
  }
  const run = (topics: string[]): Promise<void> =>
    consumer.run(topics, {
      onRevoked: async (partitions) => {
        state.revoked.push(...partitions)
        for (const p of partitions) state.owned.delete(tpKey(p.topic, p.partition))
      },
      onAssigned: async (partitions, assignment) => {
        const owned = assignment ?? [...partitions]
        if (assignment !== undefined) state.owned.clear()
        for (const p of owned) state.owned.add(tpKey(p.topic, p.partition))
        state.onAssigned?.(owned)
      },
      eachBatch: async (batch) => {
        state.records.push(...batch.records)
      },
    })
  return { ...state, state, run }
}

/**
 * What every backend promises the streams runtime and the sinks, as tests any backend must pass: the
 * memory broker in unit tests, kafkajs and node-rdkafka on the real broker. `cluster` makes a factory of
 * backends that share one cluster (two backends are two processes' clients).
 */
export function backendContract(
  test: ContractTest,
  cluster: () => () => KafkaBackend,
  { settleMs, caughtUpAtDelivery = true, fetchedEnds = false }: ContractOptions,
): void {
  const names = (): { topic: string; group: string } => {
    const id = randomUUID().slice(0, 8)
    return { topic: `contract-${id}`, group: `contract-group-${id}` }
  }
  const open = async (t: ExecutionContext): Promise<{ backend: KafkaBackend; more: () => KafkaBackend }> => {
    const make = cluster()
    const made: KafkaBackend[] = []
    const more = (): KafkaBackend => {
      const backend = make()
      made.push(backend)
      return backend
    }
    t.teardown(async () => void (await Promise.all(made.map((b) => b.close()))))
    return { backend: more(), more }
  }
  /** Every committed value of partition 0, read outside any group up to its end offset now. */
  const readToEnd = async (backend: KafkaBackend, topic: string): Promise<string[]> => {
    const admin = await backend.admin()
    const end = (await admin.endOffsets(topic)).get(0) ?? '0'
    await admin.close()
    const reader = backend.reader({ clientId: 'contract-reader', readCommitted: true })
    const read: string[] = []
    await reader.read(
      [{ topic, partition: 0, offset: '0' }],
      new Map([[tpKey(topic, 0), end]]),
      async (records) => {
        read.push(...records.map((r) => text(r.value) ?? ''))
      },
    )
    await reader.close()
    return read
  }
  const createTopic = async (backend: KafkaBackend, name: string, partitions: number): Promise<void> => {
    const admin = await backend.admin()
    try {
      await admin.createTopics([{ name, partitions, config: {} }])
    } finally {
      await admin.close()
    }
  }

  test('admin: creates topics, counts their partitions, reports end offsets', async (t) => {
    const { backend } = await open(t)
    const { topic } = names()
    await createTopic(backend, topic, 3)
    await createTopic(backend, topic, 3) // creating what exists is not an error
    const producer = await backend.producer({ clientId: 'contract' })
    await producer.send([0, 0, 2].map((partition, i) => record(topic, `v${i}`, { partition })))
    await producer.close()
    const admin = await backend.admin()
    t.teardown(() => admin.close())
    const counts = await admin.partitionCounts([topic, `${topic}-missing`])
    t.deepEqual([...counts], [[topic, 3]])
    t.deepEqual(
      [...(await admin.endOffsets(topic))].sort(([a], [b]) => a - b),
      [
        [0, '2'],
        [1, '0'],
        [2, '1'],
      ],
    )
  })

  test('admin: read_committed end offsets stop at an open transaction, and pass it once committed', async (t) => {
    const { backend } = await open(t)
    const { topic } = names()
    await createTopic(backend, topic, 2)
    const plain = await backend.producer({ clientId: 'contract' })
    await plain.send([record(topic, 'before', { partition: 0 })])
    await plain.close()
    const producer = await backend.producer({
      clientId: 'contract-lso',
      transactionalId: `contract-${randomUUID()}`,
    })
    t.teardown(() => producer.close())
    await producer.beginTransaction()
    await producer.send(['t1', 't2'].map((v) => record(topic, v, { partition: 0 })))
    const admin = await backend.admin()
    t.teardown(() => admin.close())
    const ends = async (readCommitted: boolean) =>
      [...(await admin.endOffsets(topic, { readCommitted }))].sort(([a], [b]) => a - b)
    t.deepEqual(await ends(false), [
      [0, '3'],
      [1, '0'],
    ])
    t.deepEqual(await ends(true), [
      [0, '1'],
      [1, '0'],
    ])
    await producer.commitTransaction()
    // Once the commit is known, the stable end is the log's end: past the two records (and, on Kafka,
    // past the commit's marker, a record of its own).
    const [stable, end] = await until(
      async () => {
        const [stable, end] = [await ends(true), await ends(false)]
        return stable[0]?.[1] === end[0]?.[1] ? [stable, end] : undefined
      },
      settleMs,
      'the stable end after the commit',
    )
    t.deepEqual(stable, end)
    t.true(Number(end[0]?.[1]) >= 3)
    t.deepEqual(end[1], [1, '0'])
  })

  test('producer and reader: keyed records land on murmur2’s partition, in order, with timestamps and headers', async (t) => {
    const { backend } = await open(t)
    const { topic } = names()
    await createTopic(backend, topic, 3)
    const keys = ['a', 'b', 'c', 'd', 'a', 'b']
    const producer = await backend.producer({ clientId: 'contract' })
    await producer.send(
      keys.map((key, i) =>
        record(topic, `${key}${i}`, {
          key: Buffer.from(key),
          timestamp: 1000 + i,
          headers: { h: Buffer.from(`x${i}`) },
        }),
      ),
    )
    await producer.close()
    const admin = await backend.admin()
    const ends = await admin.endOffsets(topic)
    await admin.close()
    const reader = backend.reader({ clientId: 'contract-reader', readCommitted: false })
    const read: BrokerRecord[] = []
    await reader.read(
      [0, 1, 2].map((partition) => ({ topic, partition, offset: '0' })),
      new Map([...ends].map(([p, end]) => [tpKey(topic, p), end])),
      async (records) => void read.push(...records),
    )
    await reader.close()
    t.is(read.length, keys.length)
    for (const r of read) {
      const key = text(r.key) ?? ''
      t.is(r.partition, partitionForKey(Buffer.from(key), 3), `key ${key}`)
      const i = Number(text(r.value)?.slice(1))
      t.is(r.timestamp, 1000 + i)
      t.is(text(r.headers.h ?? null), `x${i}`)
    }
    for (const p of [0, 1, 2]) {
      const values = read.filter((r) => r.partition === p).map((r) => Number(text(r.value)?.slice(1)))
      t.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `partition ${p} in order`,
      )
    }
  })

  test('reader: reads from the given offsets up to the end offsets given, then returns', async (t) => {
    const { backend } = await open(t)
    const { topic } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({ clientId: 'contract' })
    await producer.send(Array.from({ length: 8 }, (_, i) => record(topic, `v${i}`, { partition: 0 })))
    await producer.close()
    const reader = backend.reader({ clientId: 'contract-reader', readCommitted: false })
    const read: string[] = []
    await reader.read(
      [{ topic, partition: 0, offset: '3' }],
      new Map([[tpKey(topic, 0), '6']]),
      async (records) => {
        read.push(...records.map((r) => text(r.value) ?? ''))
      },
    )
    await reader.close()
    t.deepEqual(read, ['v3', 'v4', 'v5'])
  })

  test('consumer: a member is given every partition and their records; its commit is what the group reads back', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 2)
    const producer = await backend.producer({ clientId: 'contract' })
    await producer.send([0, 1, 0, 1].map((partition, i) => record(topic, `v${i}`, { partition })))
    await producer.close()
    const m = member(backend, group)
    await m.run([topic])
    await until(() => (m.records.length === 4 ? true : undefined), settleMs, 'four records')
    t.deepEqual([...m.state.owned].sort(), [tpKey(topic, 0), tpKey(topic, 1)])
    t.deepEqual(m.records.map((r) => text(r.value)).sort(), ['v0', 'v1', 'v2', 'v3'])
    await m.consumer.commit([
      { topic, partition: 0, offset: '2' },
      { topic, partition: 1, offset: '1' },
    ])
    await m.consumer.stop()
    const other = backend.consumer({ groupId: group, clientId: 'contract-offsets', readCommitted: false })
    const committed = await other.committed([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ])
    t.deepEqual(Object.fromEntries(committed), { [tpKey(topic, 0)]: '2', [tpKey(topic, 1)]: '1' })
    const never = backend.consumer({
      groupId: `${group}-never`,
      clientId: 'contract-offsets',
      readCommitted: false,
    })
    t.is((await never.committed([{ topic, partition: 0 }])).get(tpKey(topic, 0)), undefined)
  })

  test('consumer: a seek in the assignment callback moves where the member reads', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({ clientId: 'contract' })
    await producer.send(Array.from({ length: 6 }, (_, i) => record(topic, `v${i}`, { partition: 0 })))
    await producer.close()
    const m = member(backend, group)
    m.state.onAssigned = () => m.consumer.seek({ topic, partition: 0, offset: '3' })
    await m.run([topic])
    await until(() => (m.records.length >= 3 ? true : undefined), settleMs, 'three records')
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.deepEqual(
      m.records.map((r) => r.offset),
      ['3', '4', '5'],
    )
    await m.consumer.stop()
  })

  test('consumer: a batch that reaches the end its fetch found says it caught up; under read_committed that end is the last stable offset', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({ clientId: 'contract', transactionalId: `contract-tx-${group}` })
    await producer.beginTransaction()
    await producer.send([0, 1, 2].map((i) => record(topic, `c${i}`, { partition: 0 })))
    await producer.commitTransaction()
    // A transaction left open: its record is past the last stable offset, not on its way to the member.
    await producer.beginTransaction()
    await producer.send([record(topic, 'open', { partition: 0 })])
    const batches: { records: number; nextOffset?: string; caughtUp?: boolean }[] = []
    const consumer = backend.consumer({ groupId: group, clientId: `contract-${group}`, readCommitted: true })
    await consumer.run([topic], {
      onRevoked: async () => {},
      onAssigned: async () => {},
      eachBatch: async (batch) => {
        batches.push({
          records: batch.records.length,
          ...(batch.nextOffset === undefined ? {} : { nextOffset: batch.nextOffset }),
          ...(batch.caughtUp === undefined ? {} : { caughtUp: batch.caughtUp }),
        })
      },
    })
    await until(
      () => (batches.reduce((n, b) => n + b.records, 0) === 3 ? true : undefined),
      settleMs,
      'the three committed records',
    )
    await consumer.stop()
    await producer.abortTransaction()
    await producer.close()
    const last = batches.at(-1)
    if (caughtUpAtDelivery)
      t.is(last?.caughtUp, true, `the last batch reached the end: ${JSON.stringify(batches)}`)
    else t.not(last?.caughtUp, false, `a backend that cannot tell says nothing: ${JSON.stringify(batches)}`)
    for (const b of batches.slice(0, -1))
      t.not(b.caughtUp, true, `only a batch at the end says so: ${JSON.stringify(batches)}`)
  })

  test('consumer: a read_committed member reports the last stable offset its fetch reached, and a new one after the log grows', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({ clientId: 'contract', transactionalId: `contract-tx-${group}` })
    t.teardown(() => producer.close())
    await producer.beginTransaction()
    await producer.send([record(topic, 'a', { partition: 0 }), record(topic, 'b', { partition: 0 })])
    await producer.commitTransaction() // a@0, b@1, marker@2
    await producer.beginTransaction()
    await producer.send([record(topic, 'open', { partition: 0 })]) // open@3: the last stable offset stays 3
    const m = member(backend, group, { readCommitted: true })
    await m.run([topic])
    t.teardown(() => m.consumer.stop())
    if (!fetchedEnds) {
      t.is(m.consumer.fetchedEnds, undefined, 'a backend said not to report fetched ends does not')
      return
    }
    const partition = [{ topic, partition: 0 }]
    const key = tpKey(topic, 0)
    const first = await until(
      () => m.consumer.fetchedEnds?.(partition).get(key),
      settleMs,
      'the end of the committed records',
    )
    t.deepEqual(
      m.records.map((r) => text(r.value)),
      ['a', 'b'],
    )
    t.is(first, '3', 'the last stable offset: the open transaction is not waited for')
    t.is(m.consumer.fetchPositions?.(partition).get(key), '3', 'the position is past the marker')
    await producer.commitTransaction() // open@3, marker@4
    const second = await until(
      () => (m.consumer.fetchedEnds?.(partition).get(key) === '5' ? '5' : undefined),
      settleMs,
      'the end after the transaction committed',
    )
    t.is(second, '5')
    t.deepEqual(
      m.records.map((r) => text(r.value)),
      ['a', 'b', 'open'],
    )
  })

  test('transactions: read_committed members and readers see committed records, never aborted ones', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({
      clientId: 'contract-txn',
      transactionalId: `contract-${randomUUID()}`,
    })
    const transaction = async (values: string[], commit: boolean): Promise<void> => {
      await producer.beginTransaction()
      t.true(producer.inTransaction)
      await producer.send(values.map((v) => record(topic, v, { partition: 0 })))
      await (commit ? producer.commitTransaction() : producer.abortTransaction())
      t.false(producer.inTransaction)
    }
    await transaction(['c1', 'c2'], true)
    await transaction(['a1'], false)
    await transaction(['c3'], true)
    await producer.close()
    const m = member(backend, group, { readCommitted: true })
    await m.run([topic])
    await until(() => (m.records.length >= 3 ? true : undefined), settleMs, 'three committed records')
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.deepEqual(
      m.records.map((r) => text(r.value)),
      ['c1', 'c2', 'c3'],
    )
    await m.consumer.stop()
    const read = await readToEnd(backend, topic)
    t.deepEqual(read, ['c1', 'c2', 'c3'])
  })

  test('transactions: offsets sent in a transaction are committed with it, and not when it aborts', async (t) => {
    const { backend } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 1)
    const producer = await backend.producer({
      clientId: 'contract-txn',
      transactionalId: `contract-${randomUUID()}`,
    })
    await producer.beginTransaction()
    await producer.send([record(topic, 'x', { partition: 0 })])
    await producer.sendOffsets(group, [{ topic, partition: 0, offset: '7' }])
    await producer.commitTransaction()
    await producer.beginTransaction()
    await producer.send([record(topic, 'y', { partition: 0 })])
    await producer.sendOffsets(group, [{ topic, partition: 0, offset: '9' }])
    await producer.abortTransaction()
    await producer.close()
    const reader = backend.consumer({ groupId: group, clientId: 'contract-offsets', readCommitted: true })
    t.is((await reader.committed([{ topic, partition: 0 }])).get(tpKey(topic, 0)), '7')
  })

  test('fencing: a newer producer with the same transactional id fences the older one', async (t) => {
    const { backend, more } = await open(t)
    const { topic } = names()
    await createTopic(backend, topic, 1)
    const id = `contract-${randomUUID()}`
    const older = await backend.producer({ clientId: 'contract-older', transactionalId: id })
    await older.beginTransaction()
    await older.send([record(topic, 'zombie', { partition: 0 })])
    const newer = await more().producer({ clientId: 'contract-newer', transactionalId: id })
    const error = await t.throwsAsync(async () => {
      await older.send([record(topic, 'zombie-2', { partition: 0 })])
      await older.commitTransaction()
    })
    t.true(error instanceof KafkaError, String(error))
    t.is((error as KafkaError).code, KAFKA_ERROR_CODES.FENCED)
    await older.close().catch(() => {})
    await newer.beginTransaction()
    await newer.send([record(topic, 'owner', { partition: 0 })])
    await newer.commitTransaction()
    await newer.close()
    // The coordinator writes a transaction's markers after EndTxn returns, so the committed record
    // becomes readable (read_committed) a moment later; the aborted one never does.
    let read: string[] = []
    const deadline = Date.now() + 10_000
    while (read.length === 0 && Date.now() < deadline) {
      read = await readToEnd(backend, topic)
      if (read.length === 0) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.deepEqual(read, ['owner'], 'the fenced transaction was aborted')
  })

  test('rebalance: a second member takes a share of the partitions, revoked from the first before', async (t) => {
    const { backend, more } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 4)
    const first = member(backend, group)
    await first.run([topic])
    await until(
      () => (first.state.owned.size === 4 ? true : undefined),
      settleMs,
      'the first member owning all',
    )
    const second = member(more(), group)
    await second.run([topic])
    await until(
      () =>
        second.state.owned.size > 0 && first.state.owned.size + second.state.owned.size === 4
          ? true
          : undefined,
      settleMs * 3,
      'the partitions shared',
    )
    t.true(first.revoked.length > 0, 'the first member was told')
    for (const p of second.state.owned) t.false(first.state.owned.has(p), `${p} owned once`)
    await second.consumer.stop()
    await first.consumer.stop()
  })

  test('close(): stops the members its owners left running, so the group moves on', async (t) => {
    const { backend, more } = await open(t)
    const { topic, group } = names()
    await createTopic(backend, topic, 2)
    const first = member(backend, group)
    await first.run([topic])
    await until(
      () => (first.state.owned.size === 2 ? true : undefined),
      settleMs,
      'the first member owning all',
    )
    await backend.close()
    const second = member(more(), group)
    await second.run([topic])
    await until(
      () => (second.state.owned.size === 2 ? true : undefined),
      settleMs * 2,
      'the second member owning all',
    )
    t.is(second.state.owned.size, 2)
    await second.consumer.stop()
  })
}
