import {
  COMPATIBILITY_LEVELS,
  evolutionIssues,
  formatIssues,
  type CompatibilityLevel,
} from '../compatibility.ts'
import { AVRO_ERROR_CODES, AvroError } from '../errors.ts'
import { avroType, type AvroSchema } from '../schema.ts'
import type { SchemaRegistryClient } from './client.ts'

interface Stored {
  readonly id: number
  readonly schema: AvroSchema
}

/**
 * A schema registry in memory, for tests and the synchronous test driver. Ids are derived from the
 * schema's canonical form (MD5 fingerprint, 31 bits, probing on a collision), so the same schema gets the
 * same id in every run, whatever the order of registration: golden bytes stay stable. Like the real
 * registry, one schema has one id across subjects, and registering checks the subject's compatibility
 * level (BACKWARD unless set).
 */
export class InMemorySchemaRegistry implements SchemaRegistryClient {
  readonly #byId = new Map<number, Stored>()
  readonly #idByFingerprint = new Map<string, number>()
  readonly #versions = new Map<string, number[]>()
  readonly #levels = new Map<string, CompatibilityLevel>()
  readonly #defaultLevel: CompatibilityLevel

  constructor(options: { compatibility?: CompatibilityLevel } = {}) {
    this.#defaultLevel = options.compatibility ?? COMPATIBILITY_LEVELS.BACKWARD
  }

  /** The id a schema gets here, registered or not. */
  idOf(schema: AvroSchema): number {
    const fingerprint = avroType(schema).fingerprint('md5')
    const known = this.#idByFingerprint.get(fingerprint.toString('hex'))
    if (known !== undefined) return known
    let id = fingerprint.readUInt32BE(0) & 0x7fffffff
    while (id === 0 || this.#byId.has(id)) id = (id + 1) & 0x7fffffff
    return id
  }

  setCompatibility(subject: string, level: CompatibilityLevel): void {
    this.#levels.set(subject, level)
  }

  compatibility(subject: string): CompatibilityLevel {
    return this.#levels.get(subject) ?? this.#defaultLevel
  }

  /** Schemas registered under a subject, oldest first. */
  versions(subject: string): AvroSchema[] {
    return (this.#versions.get(subject) ?? []).map((id) => this.#byId.get(id)?.schema as AvroSchema)
  }

  async register(subject: string, schema: AvroSchema): Promise<number> {
    return this.registerSync(subject, schema)
  }

  /** register() without the promise, for synchronous test setups. */
  registerSync(subject: string, schema: AvroSchema): number {
    const id = this.idOf(schema)
    const versions = this.#versions.get(subject) ?? []
    if (versions.includes(id)) return id
    const level = this.compatibility(subject)
    const previous = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1)
    for (const olderId of previous) {
      const older = this.#byId.get(olderId)?.schema as AvroSchema
      const issues = evolutionIssues(schema, older, level)
      if (issues.length > 0) {
        throw new AvroError(
          AVRO_ERROR_CODES.REGISTRY_REJECTED,
          `${subject}: incompatible with version ${versions.indexOf(olderId) + 1} at ${level}:\n${formatIssues(issues)}`,
          { context: { subject, field: issues[0]?.path } },
        )
      }
    }
    const fingerprint = avroType(schema).fingerprint('md5').toString('hex')
    this.#byId.set(id, { id, schema })
    this.#idByFingerprint.set(fingerprint, id)
    this.#versions.set(subject, [...versions, id])
    return id
  }

  async lookup(subject: string, schema: AvroSchema): Promise<number> {
    const id = this.idOf(schema)
    if (this.#versions.get(subject)?.includes(id)) return id
    throw new AvroError(AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED, `${subject}: schema not registered`, {
      context: { subject },
    })
  }

  async schemaById(id: number): Promise<AvroSchema> {
    const stored = this.#byId.get(id)
    if (stored === undefined) {
      throw new AvroError(AVRO_ERROR_CODES.UNKNOWN_SCHEMA_ID, `schema id ${id} is unknown to the registry`, {
        context: { schemaId: id },
      })
    }
    return stored.schema
  }
}
