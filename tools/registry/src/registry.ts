import {
  COMPATIBILITY_LEVELS,
  evolutionIssues,
  formatIssues,
  type AvroSchema,
  type CompatibilityLevel,
} from '@oxagry/avro'

/** Registry errors in the Confluent API's own codes, so its clients react as they do to the real one. */
export const REGISTRY_ERROR_CODES = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_COMPATIBILITY_LEVEL: 42203,
} as const

export class RegistryError extends Error {
  constructor(
    readonly errorCode: (typeof REGISTRY_ERROR_CODES)[keyof typeof REGISTRY_ERROR_CODES],
    message: string,
  ) {
    super(message)
    this.name = 'RegistryError'
  }

  /** The HTTP status the Confluent API uses for the code. */
  get status(): number {
    return this.errorCode === 409 ? 409 : Math.floor(this.errorCode / 100)
  }
}

export interface RegisteredSchema {
  readonly subject: string
  readonly version: number
  readonly id: number
  readonly schema: string
}

function canonical(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema))
  } catch {
    throw new RegistryError(REGISTRY_ERROR_CODES.INVALID_SCHEMA, 'the schema is not valid JSON')
  }
}

function isLevel(level: string): level is CompatibilityLevel {
  return Object.values(COMPATIBILITY_LEVELS).includes(level as CompatibilityLevel)
}

/**
 * Subjects, versions and ids as the Confluent registry keeps them: one id per distinct schema across
 * subjects, versions numbered per subject, and a compatibility level (BACKWARD by default) checked on
 * every registration against the latest version, or all versions for the transitive levels.
 */
export class SchemaRegistryStore {
  private readonly ids = new Map<string, number>()
  private readonly schemas = new Map<number, string>()
  private readonly subjects = new Map<string, RegisteredSchema[]>()
  private readonly levels = new Map<string, CompatibilityLevel>()
  private globalLevel: CompatibilityLevel = 'BACKWARD'

  register(subject: string, schema: string): RegisteredSchema {
    const text = canonical(schema)
    const versions = this.subjects.get(subject) ?? []
    const existing = versions.find((v) => v.schema === text)
    if (existing !== undefined) return existing
    const issues = this.check(subject, text)
    if (issues !== undefined) {
      throw new RegistryError(
        REGISTRY_ERROR_CODES.INCOMPATIBLE_SCHEMA,
        `Schema being registered is incompatible with an earlier schema for subject "${subject}": ${issues}`,
      )
    }
    let id = this.ids.get(text)
    if (id === undefined) {
      id = this.ids.size + 1
      this.ids.set(text, id)
      this.schemas.set(id, text)
    }
    const registered: RegisteredSchema = {
      subject,
      version: (versions.at(-1)?.version ?? 0) + 1,
      id,
      schema: text,
    }
    this.subjects.set(subject, [...versions, registered])
    return registered
  }

  /** Why the schema cannot be the subject's next version, or undefined when it can. */
  check(subject: string, schema: string): string | undefined {
    const text = canonical(schema)
    const level = this.compatibility(subject)
    if (level === 'NONE') return undefined
    const versions = this.subjects.get(subject) ?? []
    const against = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1)
    let parsed: AvroSchema
    try {
      parsed = JSON.parse(text) as AvroSchema
    } catch {
      throw new RegistryError(REGISTRY_ERROR_CODES.INVALID_SCHEMA, 'the schema is not valid JSON')
    }
    for (const older of against) {
      let issues
      try {
        issues = evolutionIssues(parsed, JSON.parse(older.schema) as AvroSchema, level)
      } catch (error) {
        throw new RegistryError(
          REGISTRY_ERROR_CODES.INVALID_SCHEMA,
          `invalid Avro schema: ${(error as Error).message}`,
        )
      }
      if (issues.length > 0) return formatIssues(issues)
    }
    return undefined
  }

  lookup(subject: string, schema: string): RegisteredSchema {
    const versions = this.subjects.get(subject)
    if (versions === undefined)
      throw new RegistryError(REGISTRY_ERROR_CODES.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`)
    const text = canonical(schema)
    const found = versions.find((v) => v.schema === text)
    if (found === undefined)
      throw new RegistryError(REGISTRY_ERROR_CODES.SCHEMA_NOT_FOUND, 'Schema not found')
    return found
  }

  byId(id: number): string {
    const schema = this.schemas.get(id)
    if (schema === undefined)
      throw new RegistryError(REGISTRY_ERROR_CODES.SCHEMA_NOT_FOUND, `Schema ${id} not found`)
    return schema
  }

  version(subject: string, version: number | 'latest'): RegisteredSchema {
    const versions = this.subjects.get(subject)
    if (versions === undefined || versions.length === 0) {
      throw new RegistryError(REGISTRY_ERROR_CODES.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`)
    }
    const found = version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === version)
    if (found === undefined)
      throw new RegistryError(REGISTRY_ERROR_CODES.VERSION_NOT_FOUND, `Version ${version} not found.`)
    return found
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()].sort()
  }

  versions(subject: string): number[] {
    // Throws the Confluent "subject not found" error for an unknown subject.
    this.version(subject, 'latest')
    return (this.subjects.get(subject) ?? []).map((v) => v.version)
  }

  compatibility(subject?: string): CompatibilityLevel {
    return (subject === undefined ? undefined : this.levels.get(subject)) ?? this.globalLevel
  }

  setCompatibility(level: string, subject?: string): CompatibilityLevel {
    if (!isLevel(level)) {
      throw new RegistryError(
        REGISTRY_ERROR_CODES.INVALID_COMPATIBILITY_LEVEL,
        `Invalid compatibility level ${level}`,
      )
    }
    if (subject === undefined) this.globalLevel = level
    else this.levels.set(subject, level)
    return level
  }
}
