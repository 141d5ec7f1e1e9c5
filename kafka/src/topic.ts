import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'
import type { MaybePromise, RecordHeaders, Serde } from './serde.ts'

/**
 * A topic as a value: its name and the serdes of its keys and values, so whoever reads or writes it
 * names it once and gets its types from it (the stream DSL's `stream(topic)`, `to(topic)`). The topic
 * catalogue makes them (`@oxagry/topics`' `createTopicDescriptors`); tests make their own.
 */
export interface TopicDescriptor<K, V> {
  readonly name: string
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
}

/**
 * What writing to a topic needs of its descriptor: serializers taking the writer's types. A writer of
 * a narrower type may write to the topic (a stream of one branch of a union to the union's topic); a
 * wider one may not. Function properties, not methods, so TypeScript checks their parameters strictly.
 */
export interface TopicSink<K, V> {
  readonly name: string
  readonly keySerde: {
    readonly serialize: (topic: string, data: K, headers: RecordHeaders) => MaybePromise<Buffer>
  }
  readonly valueSerde: {
    readonly serialize: (topic: string, data: V, headers: RecordHeaders) => MaybePromise<Buffer>
  }
}

function isSerde(serde: unknown): boolean {
  const s = serde as Partial<Serde<unknown>> | undefined
  return typeof s?.serialize === 'function' && typeof s.deserialize === 'function'
}

/** Whether a topic argument is a descriptor rather than a name, a list of names or a name extractor. */
export function isTopicDescriptor(value: unknown): value is TopicDescriptor<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { name?: unknown }).name === 'string' &&
    isSerde((value as { valueSerde?: unknown }).valueSerde)
  )
}

/** A frozen descriptor; a missing name or serde is refused here, not at the first record. */
export function topicDescriptor<K, V>(
  name: string,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): TopicDescriptor<K, V> {
  const invalid = (what: string): never => {
    throw new KafkaError(KAFKA_ERROR_CODES.USAGE, `topic descriptor ${JSON.stringify(name)}: ${what}`, {
      context: { topic: String(name) },
    })
  }
  if (typeof name !== 'string' || name === '') invalid('the name must be a non-empty string')
  if (!isSerde(keySerde)) invalid('keySerde must be a Serde')
  if (!isSerde(valueSerde)) invalid('valueSerde must be a Serde')
  return Object.freeze({ name, keySerde, valueSerde })
}

/** The same topic read or written with another value serde (a wrapper that keeps the raw bytes...). */
export function withValueSerde<K, V, V2>(
  topic: TopicDescriptor<K, V>,
  valueSerde: Serde<V2>,
): TopicDescriptor<K, V2> {
  return topicDescriptor(topic.name, topic.keySerde, valueSerde)
}
