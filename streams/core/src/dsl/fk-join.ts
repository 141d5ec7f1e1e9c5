import { createHash } from 'node:crypto'
import { Serdes, type Serde } from '@oxagry/kafka'
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { Change } from '../record.ts'
import type { KeyValueStore } from '../state/store.ts'
import { deserializeSync, serializeSync } from '../state/sync-serde.ts'
import type { TopicRef } from '../topology/nodes.ts'
import type { BuilderContext } from './builder-context.ts'
import { bindGetter, type KTable, type TableState } from './ktable.ts'
import { OldValues } from './old-values.ts'
import type { Materialized, TableJoined } from './options.ts'
import { tableSource } from './processors.ts'

/** Extracts the other table's key from a value of this table; null joins nothing. */
export type ForeignKeyExtractor<K, V, KO> = (value: V, key: K) => KO | null

/** What a subscription asks the foreign side to do, as Kafka's SubscriptionWrapper.Instruction. */
const Instruction = {
  DELETE_KEY_NO_PROPAGATE: 0,
  DELETE_KEY_AND_PROPAGATE: 1,
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const
type Instruction = (typeof Instruction)[keyof typeof Instruction]

interface Subscription {
  /** The hash of the left value that sent it; null for a delete. */
  readonly hash: Buffer | null
  readonly instruction: Instruction
  readonly primaryKey: Buffer
}

interface Response {
  readonly hash: Buffer | null
  readonly foreignValue: Buffer | null
}

const BUFFER = Serdes.Buffer()

/** A left value's fingerprint: a response computed for another value than the current one is stale. */
function valueHash(bytes: Buffer): Buffer {
  return createHash('md5').update(bytes).digest()
}

function writeOptional(bytes: Buffer | null): Buffer {
  if (bytes === null) return Buffer.from([0])
  const head = Buffer.alloc(5)
  head.writeUInt8(1, 0)
  head.writeUInt32BE(bytes.length, 1)
  return Buffer.concat([head, bytes])
}

function readOptional(bytes: Buffer, at: number): { value: Buffer | null; next: number } {
  if (bytes.readUInt8(at) === 0) return { value: null, next: at + 1 }
  const length = bytes.readUInt32BE(at + 1)
  return { value: bytes.subarray(at + 5, at + 5 + length), next: at + 5 + length }
}

/** The subscription topic's values: instruction, hash, primary key bytes. */
const subscriptionSerde: Serde<Subscription> = {
  serialize: (_topic, s) =>
    Buffer.concat([Buffer.from([s.instruction]), writeOptional(s.hash), writeOptional(s.primaryKey)]),
  deserialize: (_topic, bytes) => {
    const hash = readOptional(bytes, 1)
    return {
      instruction: bytes.readUInt8(0) as Instruction,
      hash: hash.value,
      primaryKey: readOptional(bytes, hash.next).value as Buffer,
    }
  },
}

/** The response topic's values: the hash the subscription carried and the foreign value's bytes. */
const responseSerde: Serde<Response> = {
  serialize: (_topic, r) => Buffer.concat([writeOptional(r.hash), writeOptional(r.foreignValue)]),
  deserialize: (_topic, bytes) => {
    const hash = readOptional(bytes, 0)
    return { hash: hash.value, foreignValue: readOptional(bytes, hash.next).value }
  },
}

/** The subscription store's key, as Kafka's CombinedKeySchema: foreign key length and bytes, then primary key bytes. */
function foreignPrefix(foreignKey: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(foreignKey.length, 0)
  return Buffer.concat([head, foreignKey])
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b)
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined
}

/** A processor whose per-task state (context, stores) is set up once in init. */
function stateful<KIn, VIn, KOut, VOut>(
  setup: (context: ProcessorContext<KOut, VOut>) => Processor<KIn, VIn, KOut, VOut>['process'],
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let run: Processor<KIn, VIn, KOut, VOut>['process'] | undefined
    return {
      init(context) {
        run = setup(context)
      },
      process(record) {
        ;(run as Processor<KIn, VIn, KOut, VOut>['process'])(record)
      },
    }
  }
}

/**
 * A foreign-key table join (KIP-213), built as Kafka Streams builds it: every update of this table
 * sends a subscription, keyed by the foreign key, through the subscription registration topic to the
 * other table's partition, where it is kept in the subscription store and answered with the other
 * table's current value; every update of the other table answers all its subscribers. Answers return,
 * keyed by the primary key, through the subscription response topic, and are joined with this table's
 * current value only if that value's hash is the one the subscription carried: a stale answer (the
 * value changed since, or its foreign key did) is dropped.
 */
export function foreignKeyJoin<K, V, KO, VO, R>(
  ctx: BuilderContext,
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  extractor: ForeignKeyExtractor<K, V, KO>,
  joiner: (value: V, otherValue: VO | null) => R,
  leftJoin: boolean,
  materialized: Materialized<K, R> | undefined,
  named: TableJoined | undefined,
  create: (state: TableState<K, R>) => KTable<K, R>,
): KTable<K, R> {
  // Both tables send old values: this one to unsubscribe the old foreign key, the other as Kafka forces it.
  left.state.oldValues.enable(true)
  right.state.oldValues.enable(true)
  const base = named?.name
  const name = (suffix: string, prefix: string): string =>
    base === undefined ? ctx.newName(prefix) : `${base}${suffix}`
  const where = base ?? 'a foreign-key join'
  const keySerde = ctx.requireSerde(left.state.keySerde, 'key', where, 'read the table with a key serde')
  const valueSerde = ctx.requireSerde(
    left.state.valueSerde,
    'value',
    where,
    'read the table with a value serde',
  )
  const foreignKeySerde = ctx.requireSerde(
    right.state.keySerde,
    'key',
    where,
    'read the other table with a key serde',
  )
  const foreignValueSerde = ctx.requireSerde(
    right.state.valueSerde,
    'value',
    where,
    'read the other table with a value serde',
  )
  const registration = name('-subscription-registration', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')
  const registrationTopic: TopicRef = { name: `${registration}-topic`, internal: true }
  const sendNode = name('-subscription-registration-processor', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')
  const registrationSink = name('-subscription-registration-sink', 'KTABLE-SINK-')
  const registrationSource = name('-subscription-registration-source', 'KSTREAM-SOURCE-')
  const storeName = name('-subscription-store', 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-')
  const receiveNode = name('-subscription-receive', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-')
  const foreignNode = name('-foreign-join-subscription', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-')
  const response = name('-subscription-response', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-')
  const responseTopic: TopicRef = { name: `${response}-topic`, internal: true }
  const responseSink = name('-subscription-response-sink', 'KTABLE-SINK-')
  const responseSource = name('-subscription-response-source', 'KSTREAM-SOURCE-')
  const resolverNode = name(
    '-subscription-response-resolver',
    'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-',
  )
  const outputNode = name('-result', 'KTABLE-FK-JOIN-OUTPUT-')
  const leftGetter = left.valueGetter()
  const rightGetter = right.valueGetter()
  const topology = ctx.topology
  const bytesOf = (serde: Serde<unknown>, value: unknown, at: string): Buffer =>
    serializeSync(serde, at, value, at)

  // This table's side: each update subscribes to its foreign key (and unsubscribes from the old one).
  topology.addProcessor(
    sendNode,
    stateful<K, Change<V>, KO | null, Subscription>((context) => (record) => {
      const newValue = record.value.newValue ?? null
      const oldValue = record.value.oldValue ?? null
      const primaryKey = bytesOf(keySerde as Serde<unknown>, record.key, sendNode)
      const hash =
        newValue === null ? null : valueHash(bytesOf(valueSerde as Serde<unknown>, newValue, sendNode))
      const fkBytes = (fk: KO | null): Buffer | null =>
        isMissing(fk) ? null : bytesOf(foreignKeySerde as Serde<unknown>, fk, sendNode)
      const send = (fk: KO | null, instruction: Instruction): void =>
        context.forward({ ...record, key: fk, value: { hash, instruction, primaryKey } })
      const oldFk = oldValue === null ? null : extractor(oldValue, record.key)
      const changed = (newFk: KO | null): boolean => !sameBytes(fkBytes(newFk), fkBytes(oldFk))
      if (leftJoin) {
        if (oldValue === null && newValue === null) return
        const newFk = newValue === null ? null : extractor(newValue, record.key)
        if (!isMissing(oldFk) && changed(newFk)) send(oldFk, Instruction.DELETE_KEY_NO_PROPAGATE)
        // Even a delete (a null foreign key) subscribes: the answer is what emits the left result.
        send(newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
        return
      }
      const unsubscribe = !isMissing(oldFk)
      if (newValue === null) {
        if (unsubscribe) send(oldFk, Instruction.DELETE_KEY_AND_PROPAGATE)
        return
      }
      const newFk = extractor(newValue, record.key)
      if (isMissing(newFk)) {
        context.recordDropped('null foreign key in a foreign-key join')
        if (unsubscribe) send(oldFk, Instruction.DELETE_KEY_AND_PROPAGATE)
      } else if (unsubscribe && changed(newFk)) {
        send(oldFk, Instruction.DELETE_KEY_NO_PROPAGATE)
        send(newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
      } else {
        // Same foreign key, or a first one: a missing foreign value has nothing to retract.
        send(newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
      }
    }),
    left.state.node,
  )
  const partitions = named?.partitions === undefined ? {} : { partitions: named.partitions }
  topology.addInternalTopic({
    name: registrationTopic.name,
    kind: 'repartition',
    ...partitions,
    config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
  })
  topology.addSink(
    registrationSink,
    registrationTopic,
    { keySerde: foreignKeySerde as Serde<unknown>, valueSerde: subscriptionSerde as Serde<unknown> },
    sendNode,
  )
  topology.addSource(registrationSource, [registrationTopic], {
    keySerde: foreignKeySerde as Serde<unknown>,
    valueSerde: subscriptionSerde as Serde<unknown>,
  })

  // The other table's side: keep subscriptions and answer them with the current foreign value.
  topology.addProcessor(
    receiveNode,
    stateful<KO | null, Subscription, K, Response>((receiveContext) => {
      const subscriptions = receiveContext.getStateStore<KeyValueStore<Buffer, Buffer>>(storeName)
      const foreignLookup = bindGetter(rightGetter, receiveContext)
      const foreignValue = (fk: KO): { value: Buffer; timestamp: number } | null => {
        const found = foreignLookup(fk)
        return found === null
          ? null
          : {
              value: bytesOf(foreignValueSerde as Serde<unknown>, found.value, receiveNode),
              timestamp: found.timestamp,
            }
      }
      return (record) => {
        const s = record.value
        if (isMissing(record.key) && s.instruction !== Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) {
          receiveContext.recordDropped('null foreign key in a foreign-key join')
          return
        }
        const pk = deserializeSync(keySerde, receiveNode, s.primaryKey, receiveNode)
        let foreign: { value: Buffer; timestamp: number } | null = null
        if (!isMissing(record.key)) {
          const fk = record.key as KO
          const key = Buffer.concat([
            foreignPrefix(bytesOf(foreignKeySerde as Serde<unknown>, fk, receiveNode)),
            s.primaryKey,
          ])
          if (
            s.instruction === Instruction.DELETE_KEY_AND_PROPAGATE ||
            s.instruction === Instruction.DELETE_KEY_NO_PROPAGATE
          ) {
            subscriptions.delete(key)
          } else {
            subscriptions.putWithTimestamp(key, s.hash ?? Buffer.alloc(0), record.timestamp)
          }
          foreign = foreignValue(fk)
        }
        const timestamp = foreign === null ? record.timestamp : Math.max(record.timestamp, foreign.timestamp)
        const answer = (value: Buffer | null): void =>
          receiveContext.forward({
            ...record,
            key: pk,
            value: { hash: s.hash, foreignValue: value },
            timestamp,
          })
        switch (s.instruction) {
          case Instruction.DELETE_KEY_AND_PROPAGATE:
            answer(null)
            break
          case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
            answer(foreign?.value ?? null)
            break
          case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
            if (foreign !== null) answer(foreign.value)
            break
          case Instruction.DELETE_KEY_NO_PROPAGATE:
            break
        }
      }
    }),
    registrationSource,
  )
  topology.addProcessor(
    foreignNode,
    stateful<KO, Change<VO>, K, Response>((foreignContext) => {
      const foreignSubscriptions = foreignContext.getStateStore<KeyValueStore<Buffer, Buffer>>(storeName)
      return (record) => {
        if (isMissing(record.key)) {
          foreignContext.recordDropped('null key in a foreign-key join')
          return
        }
        const prefix = foreignPrefix(bytesOf(foreignKeySerde as Serde<unknown>, record.key, foreignNode))
        const newValue = record.value.newValue ?? null
        const value =
          newValue === null ? null : bytesOf(foreignValueSerde as Serde<unknown>, newValue, foreignNode)
        // Subscribers in primary-key byte order, as Kafka's prefix scan finds them.
        for (const { key, value: hash } of [...foreignSubscriptions.prefixScan(prefix, BUFFER)]) {
          const pk = deserializeSync(keySerde, foreignNode, key.subarray(prefix.length), foreignNode)
          foreignContext.forward({
            ...record,
            key: pk,
            value: { hash: hash.length === 0 ? null : hash, foreignValue: value },
          })
        }
      }
    }),
    right.state.node,
  )
  topology.addStateStore(
    ctx.storeSpec('keyValue', {}, storeName, {
      keySerde: BUFFER as Serde<unknown>,
      valueSerde: BUFFER as Serde<unknown>,
    }),
    receiveNode,
    foreignNode,
  )
  topology.connectProcessorAndStateStores(...rightGetter.storeNames.map((s) => [receiveNode, s] as const))
  topology.addInternalTopic({
    name: responseTopic.name,
    kind: 'repartition',
    ...partitions,
    config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
  })
  topology.addSink(
    responseSink,
    responseTopic,
    { keySerde: keySerde as Serde<unknown>, valueSerde: responseSerde as Serde<unknown> },
    receiveNode,
    foreignNode,
  )
  topology.addSource(responseSource, [responseTopic], {
    keySerde: keySerde as Serde<unknown>,
    valueSerde: responseSerde as Serde<unknown>,
  })

  // Back on this table's side: join an answer with the current value, unless the value moved on.
  topology.addProcessor(
    resolverNode,
    stateful<K, Response, K, R | null>((resolverContext) => {
      const leftLookup = bindGetter(leftGetter, resolverContext)
      return (record) => {
        const current = leftLookup(record.key)?.value ?? null
        const currentHash =
          current === null ? null : valueHash(bytesOf(valueSerde as Serde<unknown>, current, resolverNode))
        if (!sameBytes(record.value.hash, currentHash)) {
          resolverContext.recordDropped('a stale foreign-key join response (the value changed since)')
          return
        }
        const foreign =
          record.value.foreignValue === null
            ? null
            : (deserializeSync(
                foreignValueSerde,
                resolverNode,
                record.value.foreignValue,
                resolverNode,
              ) as VO)
        const result =
          foreign === null && (!leftJoin || current === null) ? null : joiner(current as V, foreign)
        resolverContext.forward({ ...record, value: result })
      }
    }),
    responseSource,
  )
  topology.connectProcessorAndStateStores(...leftGetter.storeNames.map((s) => [resolverNode, s] as const))

  // The result is a table read from the answers, as Kafka's KTableSource after the resolver.
  const output = ctx.storeSpec('keyValue', materialized, `${outputNode}-STATE-STORE`, {
    keySerde: keySerde as Serde<unknown>,
    ...(materialized?.valueSerde === undefined
      ? {}
      : { valueSerde: materialized.valueSerde as Serde<unknown> }),
  })
  topology.addProcessor(outputNode, tableSource<K, R>(output.name), resolverNode)
  topology.addStateStore(output, outputNode)
  topology.requireCopartitioned(receiveNode, [registrationTopic, ...right.state.sourceTopics])
  topology.requireCopartitioned(resolverNode, [responseTopic, ...left.state.sourceTopics])
  return create({
    node: outputNode,
    storeName: output.name,
    sourceTopics: left.state.sourceTopics,
    oldValues: OldValues.source(materialized?.storeName !== undefined),
    keySerde,
    ...(output.valueSerde === undefined ? {} : { valueSerde: output.valueSerde as Serde<R> }),
  })
}
