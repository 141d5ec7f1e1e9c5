/**
 * Type tests, checked by `tsc` (never run): what the typed descriptors, branches and store specs must
 * accept, and, under `@ts-expect-error`, what they must refuse. A refusal that stops failing to compile
 * fails the type check, as tsd's `expectError` does.
 */
import { Serdes, topicDescriptor, type Serde } from '@oxagry/kafka'
import type { ProcessorContext } from '../processor/api.ts'
import type { KeyValueStore, ReadOnlyKeyValueStore, SessionStore, WindowStore } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import type { KStream } from './kstream.ts'
import type { StreamsBuilder } from './streams-builder.ts'

type Ping = { readonly kind: 'ping'; readonly speed: number }
type Fault = { readonly kind: 'fault'; readonly code: string }
type Checked = Ping | Fault

/** Fails to compile unless A and B are the same type. */
function expectType<A>(
  value: A,
): <B>(check: [A] extends [B] ? ([B] extends [A] ? B : never) : never) => void {
  void value
  return () => undefined
}

const S = Serdes.String()
const checked = topicDescriptor('fleet.checked.v1', S, Serdes.Json<Checked>())
const pings = topicDescriptor('fleet.pings.v1', S, Serdes.Json<Ping>())
const counts = topicDescriptor('fleet.counts.v1', S, Serdes.Long())

export function descriptors(builder: StreamsBuilder): void {
  const stream = builder.stream(checked)
  expectType(stream)<KStream<string, Checked>>(stream)
  builder.stream(checked, { timestampExtractor: (r) => r.timestamp })
  // @ts-expect-error a descriptor carries its serdes: none may be given beside it
  builder.stream(checked, { valueSerde: Serdes.Json<Checked>() })
  // @ts-expect-error a stream of Checked cannot be written to a topic of numbers
  stream.to(counts)
  // @ts-expect-error nor to a topic of pings, until it is narrowed to pings
  stream.to(pings)
  stream.filter((_k, v): v is Ping => v.kind === 'ping').to(pings)
  stream.mapValues(() => 1).to(counts)
  // A narrower stream may write to a wider topic: pings are checked records.
  stream.filter((_k, v): v is Ping => v.kind === 'ping').to(checked)
  // Tombstones are written without the serde: a stream of Ping | null goes to a topic of pings.
  builder
    .stream(pings)
    .mapValues((v): Ping | null => (v.speed > 0 ? v : null))
    .to(pings)
  // The legacy forms still type as they did.
  builder.stream<string, Checked>('fleet.checked.v1', { keySerde: S }).to('out', { valueSerde: S as never })
}

export function branches(stream: KStream<string, Checked>): void {
  const split = stream
    .split({ name: 'check' })
    .branch((_k, v): v is Ping => v.kind === 'ping', 'ok')
    .defaultBranch('bad')
  expectType(split.get('check-ok'))<KStream<string, Ping>>(split.get('check-ok'))
  // The default branch holds what no guard took: faults only.
  expectType(split.get('check-bad'))<KStream<string, Fault>>(split.get('check-bad'))
  // @ts-expect-error a branch is a fault, not a ping
  split.get('check-bad').to(pings)
  // Names no branch has are the Map's: maybe undefined.
  expectType(split.get('elsewhere'))<KStream<string, Checked> | undefined>(split.get('elsewhere'))
  const plain = stream
    .split()
    .branch((_k, v) => v.kind === 'fault')
    .noDefaultBranch()
  expectType(plain.get('x'))<KStream<string, Checked> | undefined>(plain.get('x'))
  const afterPings = stream.split().branch((_k, v): v is Ping => v.kind === 'ping')
  // @ts-expect-error after a guard, later predicates see only what is left: a Fault has no speed
  afterPings.branch((_k, v) => v.speed > 1)
}

export function stores(context: ProcessorContext, serde: Serde<Ping>): void {
  const guard = Stores.inMemoryKeyValueStore('guard', { keySerde: S, valueSerde: serde })
  expectType(guard.name)<'guard'>(guard.name)
  const kv = context.getStateStore(guard)
  expectType(kv)<KeyValueStore<string, Ping>>(kv)
  // @ts-expect-error the store holds pings, not numbers
  const wrong: KeyValueStore<string, number> = context.getStateStore(guard)
  // @ts-expect-error a key-value store is not a window store
  const notWindow: WindowStore<string, Ping> = context.getStateStore(guard)
  // @ts-expect-error values put must be the store's
  kv.put('m-1', { kind: 'fault', code: 'E1' })
  const explicit = Stores.persistentKeyValueStore<string, number>('totals')
  expectType(context.getStateStore(explicit))<KeyValueStore<string, number>>(context.getStateStore(explicit))
  const windows = Stores.inMemoryWindowStore<string, number>('per-minute', 60_000)
  expectType(context.getStateStore(windows))<WindowStore<string, number>>(context.getStateStore(windows))
  const sessions = Stores.inMemorySessionStore<string, Ping>('trips', 60_000)
  expectType(context.getStateStore(sessions))<SessionStore<string, Ping>>(context.getStateStore(sessions))
  // A read-only view is what a global store gives: a typed store is one.
  const read: ReadOnlyKeyValueStore<string, Ping> = kv
  // By name, the caller still says the type, as before.
  const byName = context.getStateStore<KeyValueStore<string, boolean>>('guard')
  void [wrong, notWindow, read, byName]
}
