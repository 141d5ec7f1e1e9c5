import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../compatibility.ts'
import { AVRO_ERROR_CODES, AvroError } from '../errors.ts'
import type { AvroSchema } from '../schema.ts'
import type { SchemaRegistryClient } from './client.ts'
import { isNotFound, registryError } from './errors.ts'

export interface ConfluentSchemaRegistryOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:8081/apis/ccompat/v7`. */
  readonly url: string
  /** Sent as the user agent; names the application in the registry's logs. */
  readonly clientId?: string
  /** Retries of one request before it fails as REGISTRY_UNAVAILABLE. Default 3. */
  readonly retries?: number
  /** Timeout of the administrative requests made with fetch, in ms. Default 10 000. */
  readonly timeoutMs?: number
  /** Compatibility level given to a subject this client creates by registering. Default BACKWARD. */
  readonly compatibility?: CompatibilityLevel
}

/** A registered version of a subject. */
export interface SubjectVersion {
  readonly subject: string
  readonly version: number
  readonly id: number
  readonly schema: AvroSchema
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

/** Confluent API codes for a subject, version or schema that does not exist. */
const NOT_FOUND_CODES = new Set([40401, 40402, 40403])

function errorCodeOf(text: string): number | undefined {
  try {
    const code = (JSON.parse(text) as { error_code?: unknown }).error_code
    return typeof code === 'number' ? code : undefined
  } catch {
    return undefined
  }
}

function validate(options: ConfluentSchemaRegistryOptions): Required<ConfluentSchemaRegistryOptions> {
  const invalid = (path: string, what: string): never => {
    throw new AvroError(AVRO_ERROR_CODES.INVALID_OPTIONS, `/options/${path} must be ${what}`)
  }
  if (typeof options?.url !== 'string' || !/^https?:\/\/./.test(options.url)) invalid('url', 'an http(s) URL')
  const retries = options.retries ?? 3
  if (!Number.isInteger(retries) || retries < 0) invalid('retries', 'an integer >= 0')
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) invalid('timeoutMs', 'a positive integer')
  const compatibility = options.compatibility ?? COMPATIBILITY_LEVELS.BACKWARD
  if (!Object.values(COMPATIBILITY_LEVELS).includes(compatibility)) {
    invalid('compatibility', Object.values(COMPATIBILITY_LEVELS).join(', '))
  }
  return {
    url: options.url.replace(/\/+$/, ''),
    clientId: options.clientId ?? 'oxagry',
    retries,
    timeoutMs,
    compatibility,
  }
}

/**
 * A Confluent-compatible schema registry over HTTP (Apicurio's ccompat API locally). The serde paths
 * (register, lookup, schema by id) go through @kafkajs/confluent-schema-registry; the administrative
 * calls it lacks (subject compatibility, compatibility test, latest version) are plain REST.
 */
export class ConfluentSchemaRegistry implements SchemaRegistryClient {
  readonly url: string
  readonly #options: Required<ConfluentSchemaRegistryOptions>
  readonly #client: SchemaRegistry

  constructor(options: ConfluentSchemaRegistryOptions) {
    this.#options = validate(options)
    this.url = this.#options.url
    this.#client = new SchemaRegistry({
      host: this.url,
      clientId: this.#options.clientId,
      retry: { retries: this.#options.retries, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2 },
    })
  }

  async register(subject: string, schema: AvroSchema): Promise<number> {
    try {
      return await this.lookup(subject, schema)
    } catch (error) {
      if (!(error instanceof AvroError && error.code === AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED)) throw error
    }
    // The library refuses to register when the subject's level differs from the one it is given, so it
    // gets the subject's own level; a new subject gets ours. Two clients registering a new subject at
    // once race on that level (one sees the subject the other just created, before its level is set):
    // the loser asks again.
    for (let attempt = 1; ; attempt++) {
      const level = (await this.subjectCompatibility(subject)) ?? this.#options.compatibility
      try {
        const { id } = await this.#client.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: level as never },
        )
        return id
      } catch (error) {
        const race =
          /Compatibility does not match the configuration|rule named 'COMPATIBILITY' already exists/
        if (attempt < 5 && race.test((error as Error).message)) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
          continue
        }
        throw registryError(error, `registering under ${subject}`, { subject })
      }
    }
  }

  async lookup(subject: string, schema: AvroSchema): Promise<number> {
    try {
      return await this.#client.getRegistryIdBySchema(subject, {
        type: SchemaType.AVRO,
        schema: JSON.stringify(schema),
      })
    } catch (error) {
      // The library turns the registry's 404 into a bare ConfluentSchemaRegistryError, not exported.
      if ((error as Error).name === 'ConfluentSchemaRegistryError' || isNotFound(error)) {
        throw new AvroError(AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED, `${subject}: schema not registered`, {
          cause: error,
          context: { subject },
        })
      }
      throw registryError(error, `looking up the schema under ${subject}`, { subject })
    }
  }

  async schemaById(id: number): Promise<AvroSchema> {
    try {
      const type = await this.#client.getSchema(id)
      return (type as unknown as { schema(): AvroSchema }).schema()
    } catch (error) {
      if (isNotFound(error)) {
        throw new AvroError(
          AVRO_ERROR_CODES.UNKNOWN_SCHEMA_ID,
          `schema id ${id} is unknown to the registry`,
          {
            cause: error,
            context: { schemaId: id },
          },
        )
      }
      throw registryError(error, `fetching schema id ${id}`, { schemaId: id })
    }
  }

  /** The subject's own compatibility level; undefined when the subject does not exist. */
  async subjectCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    const answer = await this.#request<{ compatibilityLevel: CompatibilityLevel }>(
      'GET',
      `/config/${enc(subject)}`,
      {
        subject,
      },
    )
    return answer?.compatibilityLevel
  }

  async setSubjectCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.#request('PUT', `/config/${enc(subject)}`, { subject }, { compatibility: level })
  }

  /** Whether the registry accepts the schema as the subject's next version (true for a new subject). */
  async isCompatible(subject: string, schema: AvroSchema): Promise<boolean> {
    const answer = await this.#request<{ is_compatible: boolean }>(
      'POST',
      `/compatibility/subjects/${enc(subject)}/versions/latest`,
      { subject },
      { schema: JSON.stringify(schema) },
    )
    return answer?.is_compatible ?? true
  }

  /** The latest version of a subject, or undefined when it has none. */
  async latestVersion(subject: string): Promise<SubjectVersion | undefined> {
    const answer = await this.#request<{ version: number; id: number; schema: string }>(
      'GET',
      `/subjects/${enc(subject)}/versions/latest`,
      { subject },
    )
    if (answer === undefined) return undefined
    return {
      subject,
      version: answer.version,
      id: answer.id,
      schema: JSON.parse(answer.schema) as AvroSchema,
    }
  }

  /** Deletes a subject and its versions for good (tests clean up with it). */
  async deleteSubject(subject: string): Promise<void> {
    await this.#request('DELETE', `/subjects/${enc(subject)}`, { subject })
    await this.#request('DELETE', `/subjects/${enc(subject)}?permanent=true`, { subject })
  }

  /** One REST call; undefined on 404, typed errors otherwise. */
  async #request<T>(
    method: string,
    path: string,
    context: { subject?: string },
    body?: unknown,
  ): Promise<T | undefined> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (error) {
      throw registryError(error, `${method} ${path}`, context)
    }
    const text = await response.text()
    // Only the registry's own "not found" codes mean "no such subject/version/schema": a 404 from a
    // wrong base URL (a missing /apis/ccompat/v7) must fail loudly, not pass as "new subject".
    if (response.status === 404 && NOT_FOUND_CODES.has(errorCodeOf(text) ?? 0)) return undefined
    if (!response.ok) {
      let message = text
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text
      } catch {
        // Not JSON: keep the text.
      }
      throw registryError(
        Object.assign(new Error(message), { status: response.status }),
        `${method} ${path}`,
        context,
      )
    }
    return (text === '' ? undefined : JSON.parse(text)) as T | undefined
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject)
}
