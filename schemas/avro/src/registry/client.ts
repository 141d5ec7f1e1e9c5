import type { AvroSchema } from '../schema.ts'

/**
 * What a serde needs from a schema registry. Small on purpose: the Confluent-compatible HTTP registry and
 * the in-memory one for tests both implement it, and errors are AvroErrors with their codes
 * (SCHEMA_NOT_REGISTERED, UNKNOWN_SCHEMA_ID, REGISTRY_UNAVAILABLE which is retriable, REGISTRY_REJECTED).
 */
export interface SchemaRegistryClient {
  /** Registers the schema under the subject, or finds it there; resolves to its global id. */
  register(subject: string, schema: AvroSchema): Promise<number>
  /** The id of this exact schema under the subject, without registering it. */
  lookup(subject: string, schema: AvroSchema): Promise<number>
  /** The schema a writer used, by its global id. */
  schemaById(id: number): Promise<AvroSchema>
}
