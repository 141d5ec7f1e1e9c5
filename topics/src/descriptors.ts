import { createAvroSerde, type AvroContract, type AvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { Serdes, topicDescriptor, type Serde, type TopicDescriptor } from '@oxagry/kafka'
import type { TopicSpec } from './catalogue.ts'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'

/** The value type of a catalogue topic: its contract's. */
export type TopicValueOf<T> = T extends TopicSpec<infer V> ? V : never

/**
 * An application's topics by the role it gives each (`pings`, `deadLetters`), as catalogue entries:
 * `{ pings: TOPICS.machinePings, ... }`. The catalogue says each one's name, key format and contract.
 */
export type TopicRoles = Readonly<Record<string, TopicSpec>>

/** A topic name per role: the catalogue's by default, another where a test or an environment says. */
export type TopicNames<R extends TopicRoles> = { readonly [P in keyof R]: string }

/** A value serde per role, of the role's contract. */
export type ValueSerdes<R extends TopicRoles> = { readonly [P in keyof R]: Serde<TopicValueOf<R[P]>> }

/** A descriptor per role: keys are plain strings as the catalogue's every key format is, values its contract. */
export type TopicDescriptors<R extends TopicRoles> = {
  readonly [P in keyof R]: TopicDescriptor<string, TopicValueOf<R[P]>>
}

const KEYS = Serdes.String()

/** The catalogue's name of each role. */
export function catalogueNames<R extends TopicRoles>(roles: R): TopicNames<R> {
  return Object.freeze(
    Object.fromEntries(Object.entries(roles).map(([role, spec]) => [role, spec.name])),
  ) as TopicNames<R>
}

/** The names of the roles, the catalogue's unless overridden; an override for no role is refused. */
function namesOf<R extends TopicRoles>(roles: R, names: Partial<TopicNames<R>>): TopicNames<R> {
  for (const [role, name] of Object.entries(names)) {
    if (!(role in roles)) {
      throw new TopicsError(
        TOPICS_ERROR_CODES.INVALID_OPTIONS,
        `/topics/${role} is not a topic of the application (${Object.keys(roles).join(', ')})`,
        { context: { path: `/topics/${role}` } },
      )
    }
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new TopicsError(TOPICS_ERROR_CODES.INVALID_OPTIONS, `/topics/${role} must be a topic name`, {
        context: { path: `/topics/${role}` },
      })
    }
  }
  return { ...catalogueNames(roles), ...names }
}

/**
 * Descriptors of the roles from value serdes made elsewhere (a test's, or an application's options):
 * each named as the catalogue says unless `names` says otherwise.
 */
export function describeTopics<R extends TopicRoles>(
  roles: R,
  valueSerdes: ValueSerdes<R>,
  names: Partial<TopicNames<R>> = {},
): TopicDescriptors<R> {
  const resolved = namesOf(roles, names)
  const entries = Object.keys(roles).map((role) => [
    role,
    topicDescriptor(resolved[role] as string, KEYS, valueSerdes[role] as Serde<unknown>),
  ])
  return Object.freeze(Object.fromEntries(entries)) as TopicDescriptors<R>
}

export interface CreateTopicDescriptorsOptions<R extends TopicRoles> {
  /** Topic names other than the catalogue's, per role (tests give prefixed ones). */
  readonly names?: Partial<TopicNames<R>>
  /** Register a contract missing from its subject; default false (`schemas register` does it in CI). */
  readonly autoRegister?: boolean
}

/**
 * Descriptors of the roles with Avro serdes from the registry: one serde per contract, warmed on every
 * topic of it (so it answers synchronously, as the test driver needs), shared by the roles holding it.
 */
export async function createTopicDescriptors<R extends TopicRoles>(
  registry: SchemaRegistryClient,
  roles: R,
  options: CreateTopicDescriptorsOptions<R> = {},
): Promise<TopicDescriptors<R>> {
  const names = namesOf(roles, options.names ?? {})
  const topicsOf = new Map<AvroContract<unknown>, string[]>()
  for (const [role, spec] of Object.entries(roles)) {
    topicsOf.set(spec.value, [...(topicsOf.get(spec.value) ?? []), names[role] as string])
  }
  const serdes = new Map<AvroContract<unknown>, AvroSerde<unknown>>()
  await Promise.all(
    [...topicsOf].map(async ([contract, topics]) => {
      const serde = await createAvroSerde({
        registry,
        contract,
        topics: [...new Set(topics)],
        autoRegister: options.autoRegister ?? false,
      })
      serdes.set(contract, serde)
    }),
  )
  const valueSerdes = Object.fromEntries(
    Object.entries(roles).map(([role, spec]) => [role, serdes.get(spec.value)]),
  ) as unknown as ValueSerdes<R>
  return describeTopics(roles, valueSerdes, names)
}
