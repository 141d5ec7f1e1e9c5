import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { parseAllDocuments } from 'yaml'
import { DEPLOY_ERROR_CODES, DeployError } from '../errors.ts'

/** The CRDs the deployment's custom resources are validated against, all vendored in the repository. */
export const CRD_DIRS = [
  fileURLToPath(new URL('../../../strimzi/crds', import.meta.url)),
  fileURLToPath(new URL('../../crds/prometheus-operator', import.meta.url)),
] as const

type JsonSchema = Record<string, unknown>

interface Crd {
  kind: string
  spec: {
    group: string
    names: { kind: string }
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: JsonSchema } }[]
  }
}

/**
 * Kubernetes prunes fields a structural schema does not declare: a typo would vanish on apply. Here an
 * undeclared field is an error wherever the CRD lists properties and does not preserve unknown fields.
 */
function closeObjects(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema }
  if (copy.properties !== undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true)
    copy.additionalProperties = false
  if (copy.properties !== undefined)
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties as Record<string, JsonSchema>).map(([k, v]) => [k, closeObjects(v)]),
    )
  if (copy.items !== undefined) copy.items = closeObjects(copy.items as JsonSchema)
  if (typeof copy.additionalProperties === 'object')
    copy.additionalProperties = closeObjects(copy.additionalProperties as JsonSchema)
  return copy
}

/** CRD patterns are Go regular expressions: their `(?i)` is JavaScript's `i` flag. */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)')
    ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`)
    : new RegExp(pattern, flags)
}
goRegExp.code = 'goRegExp'

export type ObjectValidator = (object: unknown) => string[]

/** A validator per `apiVersion/kind` of every served version of every vendored CRD. */
export function crdValidators(dirs: readonly string[] = CRD_DIRS): Map<string, ObjectValidator> {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } })
  const validators = new Map<string, ObjectValidator>()
  for (const dir of dirs) {
    if (!existsSync(dir))
      throw new DeployError(DEPLOY_ERROR_CODES.SCHEMA_MISSING, `the CRDs are expected in ${dir}`, {
        context: { dir },
      })
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
        const crd = doc.toJS() as Crd | null
        if (crd?.kind !== 'CustomResourceDefinition') continue
        for (const version of crd.spec.versions.filter((v) => v.served)) {
          const validate: ValidateFunction = ajv.compile(closeObjects(version.schema.openAPIV3Schema))
          validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, (object) =>
            validate(object)
              ? []
              : (validate.errors ?? []).map(
                  (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}${extra(e)}`,
                ),
          )
        }
      }
    }
  }
  return validators
}

function extra(error: ErrorObject): string {
  const property = (error.params as { additionalProperty?: string }).additionalProperty
  return property === undefined ? '' : `: ${property}`
}
