import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject } from 'ajv'
import { parse } from 'yaml'
import { STRIMZI_ERROR_CODES, StrimziError } from './errors.ts'

/** The Strimzi 1.2.0 KafkaTopic CRD, vendored in the package (`strimzi/crds/`, with its licence). */
export const KAFKA_TOPIC_CRD = fileURLToPath(new URL('../crds/043-Crd-kafkatopic.yaml', import.meta.url))

/** The API version Strimzi 1.x serves; v1beta2 is gone. */
export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1'

type JsonSchema = Record<string, unknown>

interface Crd {
  spec: { versions: { name: string; served: boolean; schema: { openAPIV3Schema: JsonSchema } }[] }
}

/**
 * Kubernetes prunes fields a structural schema does not declare, silently: a typo such as `replica:`
 * would be dropped on apply and the topic get the broker default. Validation here is stricter than the
 * API server: wherever the CRD lists properties and does not preserve unknown fields, others are errors.
 */
function closeObjects(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema }
  if (copy.properties !== undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false
  }
  if (copy.properties !== undefined) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties as Record<string, JsonSchema>).map(([k, v]) => [k, closeObjects(v)]),
    )
  }
  if (copy.items !== undefined) copy.items = closeObjects(copy.items as JsonSchema)
  return copy
}

/** The openAPIV3Schema of the served v1 version, made strict. Fails, never skips, when the CRD is missing. */
export function kafkaTopicSchema(path: string = KAFKA_TOPIC_CRD): JsonSchema {
  if (!existsSync(path)) {
    throw new StrimziError(
      STRIMZI_ERROR_CODES.CRD_MISSING,
      `the Strimzi KafkaTopic CRD is expected at ${path} (vendored in strimzi/crds/)`,
      { file: path },
    )
  }
  const crd = parse(readFileSync(path, 'utf8')) as Crd
  const version = crd.spec.versions.find((v) => v.name === 'v1' && v.served)
  if (version === undefined) {
    throw new StrimziError(STRIMZI_ERROR_CODES.CRD_MISSING, `${path} serves no v1 version`, { file: path })
  }
  return closeObjects(version.schema.openAPIV3Schema)
}

export type ManifestValidator = (manifest: unknown) => string[]

/** A validator: the problems of a KafkaTopic manifest, each with its JSON path; empty when valid. */
export function kafkaTopicValidator(path?: string): ManifestValidator {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const validate = ajv.compile(kafkaTopicSchema(path))
  return (manifest) => {
    const problems: string[] = []
    if (!validate(manifest)) {
      problems.push(
        ...(validate.errors ?? []).map(
          (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}${describeParams(e)}`,
        ),
      )
    }
    const m = manifest as {
      apiVersion?: unknown
      kind?: unknown
      metadata?: { name?: unknown; labels?: Record<string, unknown> }
    }
    if (m.apiVersion !== STRIMZI_API_VERSION) problems.push(`/apiVersion must be ${STRIMZI_API_VERSION}`)
    if (m.kind !== 'KafkaTopic') problems.push('/kind must be KafkaTopic')
    const name = m.metadata?.name
    // Kubernetes object names: a DNS subdomain (RFC 1123), at most 253 characters.
    if (
      typeof name !== 'string' ||
      name.length > 253 ||
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
    ) {
      problems.push('/metadata/name must be a lowercase RFC 1123 subdomain')
    }
    // Without the cluster label the Topic Operator ignores the resource.
    if (typeof m.metadata?.labels?.['strimzi.io/cluster'] !== 'string') {
      problems.push('/metadata/labels/strimzi.io~1cluster is required')
    }
    return problems
  }
}

function describeParams(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty
  return extra === undefined ? '' : `: ${extra}`
}
