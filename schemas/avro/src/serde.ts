import type avsc from 'avsc'
import type { MaybePromise, RecordHeaders, Serde } from '@oxagry/kafka'
import { formatIssues, readIssues } from './compatibility.ts'
import type { AvroContract } from './contract.ts'
import { AVRO_ERROR_CODES, AvroError } from './errors.ts'
import { HEADER_SIZE, MAGIC_BYTE, readFrame, subjectName } from './framing.ts'
import type { SchemaRegistryClient } from './registry/client.ts'
import { avroType, type AvroSchema } from './schema.ts'

export interface AvroSerdeOptions<T> {
  readonly registry: SchemaRegistryClient
  /** The schema values are written with and read into (the reader schema). */
  readonly contract: AvroContract<T>
  /** Serde for record keys (`<topic>-key` subjects) instead of values (`<topic>-value`). Default false. */
  readonly isKey?: boolean
  /**
   * Register the schema when the subject lacks it. Default false: schemas are registered by
   * `schemas register` in CI, so a producer with an unreviewed schema fails instead of evolving the topic.
   */
  readonly autoRegister?: boolean
  /** Topics whose writer schema id is resolved before the factory returns, so serialize is synchronous. */
  readonly topics?: readonly string[]
  /** Writer schema ids fetched before the factory returns, so deserialize of such data is synchronous. */
  readonly prefetch?: readonly number[]
}

/** A Serde for one contract, with its caches exposed for warming. */
export interface AvroSerde<T> extends Serde<T> {
  readonly contract: AvroContract<T>
  /** Fetches writer schemas by id, so deserializing their data answers without a promise. */
  prefetch(...ids: number[]): Promise<void>
  /** Resolves (registering if allowed) and caches the id this serde writes to a topic with. */
  warm(topic: string): Promise<number>
  /** The id written to a topic, once resolved. */
  schemaIdFor(topic: string): number | undefined
}

interface Reader {
  /** Absent when the writer schema is the reader's own: no resolution needed. */
  readonly resolver: avsc.Resolver | undefined
}

function validate<T>(options: AvroSerdeOptions<T>): void {
  const invalid = (path: string, what: string): never => {
    throw new AvroError(AVRO_ERROR_CODES.INVALID_OPTIONS, `/options/${path} must be ${what}`)
  }
  const registry = options?.registry as Partial<SchemaRegistryClient> | undefined
  if (
    typeof registry?.register !== 'function' ||
    typeof registry.lookup !== 'function' ||
    typeof registry.schemaById !== 'function'
  ) {
    invalid('registry', 'a SchemaRegistryClient (register, lookup, schemaById)')
  }
  if (typeof options.contract?.type?.fromBuffer !== 'function') invalid('contract', 'an AvroContract')
  for (const [i, topic] of (options.topics ?? []).entries()) {
    if (typeof topic !== 'string' || topic === '') invalid(`topics/${i}`, 'a topic name')
  }
  for (const [i, id] of (options.prefetch ?? []).entries()) {
    if (!Number.isInteger(id)) invalid(`prefetch/${i}`, 'a schema id')
  }
}

/** The same error with the topic added to its context, so a dead-letter handler knows where it came from. */
function withTopic(error: unknown, topic: string): AvroError {
  if (!(error instanceof AvroError)) {
    return new AvroError(AVRO_ERROR_CODES.REGISTRY_UNAVAILABLE, `${topic}: ${String(error)}`, {
      cause: error,
      retriable: true,
      context: { topic },
    })
  }
  return new AvroError(error.code, `${topic}: ${error.message}`, {
    cause: error,
    retriable: error.retriable,
    context: { ...error.context, topic },
  })
}

/**
 * An Avro serde in the Confluent wire format with TopicNameStrategy subjects. Warm, it answers
 * synchronously; it returns a promise only for a registry round trip: the first write to a topic whose
 * id is not resolved yet, the first read of a schema id not seen yet. Writer schemas other than the
 * contract's are resolved into it (Avro schema resolution), so a reader built with one version reads
 * data written with another compatible one.
 */
export async function createAvroSerde<T>(options: AvroSerdeOptions<T>): Promise<AvroSerde<T>> {
  validate(options)
  const { registry, contract } = options
  const part = options.isKey === true ? 'key' : 'value'
  const autoRegister = options.autoRegister ?? false
  const type = contract.type
  const fingerprint = type.fingerprint('md5').toString('hex')

  const writerIds = new Map<string, number>()
  const readers = new Map<number, Reader>()
  const pendingReaders = new Map<number, Promise<Reader>>()
  const failures = new Map<number, AvroError>()
  const pendingIds = new Map<string, Promise<number>>()
  // One buffer reused for every write; each result is copied out of it, so a record costs one allocation.
  let scratch = Buffer.allocUnsafe(1024)

  function encode(topic: string, id: number, data: T): Buffer {
    for (;;) {
      scratch[0] = MAGIC_BYTE
      scratch.writeInt32BE(id, 1)
      let end: number
      try {
        end = type.encode(data, scratch, HEADER_SIZE)
      } catch (error) {
        const paths: string[] = []
        type.isValid(data, { errorHook: (path) => paths.push(path.join('.')) })
        const field = paths[0]
        throw new AvroError(
          AVRO_ERROR_CODES.INVALID_RECORD,
          `${topic}: value does not match ${contract.name}${field === undefined ? '' : ` at ${field}`}: ${(error as Error).message}`,
          { cause: error, context: { topic, schemaId: id, ...(field === undefined ? {} : { field }) } },
        )
      }
      // A negative end is the shortfall: grow and write again.
      if (end >= 0) return Buffer.from(scratch.subarray(0, end))
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end))
    }
  }

  function decode(topic: string, id: number, reader: Reader, body: Buffer): T {
    try {
      return type.fromBuffer(body, reader.resolver) as T
    } catch (error) {
      const message = (error as Error).message
      const truncated = /truncated/.test(message)
      throw new AvroError(
        truncated ? AVRO_ERROR_CODES.TRUNCATED_PAYLOAD : AVRO_ERROR_CODES.CORRUPT_PAYLOAD,
        `${topic}: Avro body of ${body.length} bytes does not decode with schema id ${id}: ${message}`,
        { cause: error, context: { topic, schemaId: id } },
      )
    }
  }

  async function resolveId(topic: string): Promise<number> {
    const subject = subjectName(topic, part)
    try {
      const id = autoRegister
        ? await registry.register(subject, contract.schema)
        : await registry.lookup(subject, contract.schema)
      writerIds.set(topic, id)
      readers.set(id, { resolver: undefined })
      return id
    } catch (error) {
      if (error instanceof AvroError && error.code === AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED) {
        throw new AvroError(
          error.code,
          `${topic}: ${contract.name} is not registered under ${subject}; run the topics package's schemas register, or pass autoRegister`,
          { cause: error, context: { topic, subject } },
        )
      }
      throw withTopic(error, topic)
    }
  }

  function warm(topic: string): Promise<number> {
    const known = writerIds.get(topic)
    if (known !== undefined) return Promise.resolve(known)
    let pending = pendingIds.get(topic)
    if (pending === undefined) {
      pending = resolveId(topic).finally(() => pendingIds.delete(topic))
      pendingIds.set(topic, pending)
    }
    return pending
  }

  function resolve(id: number, writerSchema: AvroSchema): Reader {
    const writer = avroType(writerSchema)
    if (writer.fingerprint('md5').toString('hex') === fingerprint) return { resolver: undefined }
    try {
      return { resolver: type.createResolver(writer) }
    } catch (error) {
      const issues = readIssues(contract.schema, writerSchema)
      throw new AvroError(
        AVRO_ERROR_CODES.INCOMPATIBLE_SCHEMA,
        `data written with schema id ${id} cannot be read as ${contract.name}:\n${formatIssues(issues)}`,
        { cause: error, context: { schemaId: id, ...(issues[0] ? { field: issues[0].path } : {}) } },
      )
    }
  }

  function reader(id: number): Promise<Reader> {
    let pending = pendingReaders.get(id)
    if (pending === undefined) {
      pending = registry
        .schemaById(id)
        .then((writerSchema) => {
          const loaded = resolve(id, writerSchema)
          readers.set(id, loaded)
          return loaded
        })
        .catch((error: unknown) => {
          // An incompatible writer stays incompatible: later records of it fail without a round trip.
          if (error instanceof AvroError && error.code === AVRO_ERROR_CODES.INCOMPATIBLE_SCHEMA)
            failures.set(id, error)
          throw error
        })
        .finally(() => pendingReaders.delete(id))
      pendingReaders.set(id, pending)
    }
    return pending
  }

  const serde: AvroSerde<T> = {
    contract,
    serialize(topic: string, data: T, _headers: RecordHeaders): MaybePromise<Buffer> {
      const id = writerIds.get(topic)
      if (id !== undefined) return encode(topic, id, data)
      return warm(topic).then((resolved) => encode(topic, resolved, data))
    },
    deserialize(topic: string, data: Buffer, _headers: RecordHeaders): MaybePromise<T> {
      const { schemaId, body } = readFrame(topic, data)
      const known = readers.get(schemaId)
      if (known !== undefined) return decode(topic, schemaId, known, body)
      const failed = failures.get(schemaId)
      if (failed !== undefined) throw withTopic(failed, topic)
      return reader(schemaId).then(
        (loaded) => decode(topic, schemaId, loaded, body),
        (error: unknown) => {
          throw withTopic(error, topic)
        },
      )
    },
    async prefetch(...ids: number[]): Promise<void> {
      await Promise.all(ids.filter((id) => !readers.has(id)).map((id) => reader(id)))
    },
    warm,
    schemaIdFor: (topic) => writerIds.get(topic),
  }

  await Promise.all((options.topics ?? []).map((topic) => warm(topic)))
  await serde.prefetch(...(options.prefetch ?? []))
  return serde
}
