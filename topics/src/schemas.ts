import { join, relative, sep } from 'node:path'
import {
  AVRO_ERROR_CODES,
  AvroError,
  evolutionIssues,
  SCHEMAS_ROOT,
  subjectName,
  type AvroSchema,
  type CompatibilityIssue,
  type CompatibilityLevel,
  type ConfluentSchemaRegistry,
} from '@oxagry/avro'
import { TOPIC_LIST, type TopicSpec } from './catalogue.ts'
import { repoRoot, resolveBaseRef, showAt } from './git.ts'

/** One subject's registration, as `schemas register` reports it. */
export interface Registration {
  readonly subject: string
  readonly id: number | undefined
  /** The level set, with the previous one when it changed. */
  readonly compatibility: { readonly from: CompatibilityLevel | undefined; readonly to: CompatibilityLevel }
  readonly status: 'registered' | 'unchanged' | 'would register' | 'rejected'
  readonly issues: readonly CompatibilityIssue[]
  readonly error?: string
}

export interface RegisterOptions {
  readonly registry: ConfluentSchemaRegistry
  readonly prefix?: string
  readonly dryRun?: boolean
  readonly topics?: readonly TopicSpec[]
}

/**
 * `schemas register`: every topic's value schema under `<topic>-value`, with the topic's compatibility
 * level set on the subject first, so the registration itself is checked at that level. A refusal is
 * reported with the fields at fault (the registry's own message names JSON pointers, not fields).
 */
export async function registerSchemas(options: RegisterOptions): Promise<Registration[]> {
  const { registry } = options
  const results: Registration[] = []
  for (const topic of options.topics ?? TOPIC_LIST) {
    const subject = subjectName(`${options.prefix ?? ''}${topic.name}`, 'value')
    const schema = topic.value.schema
    const level = topic.compatibility
    const from = await registry.subjectCompatibility(subject)
    // A subject may have versions without a level of its own (it follows the global one): look anyway.
    const latest = await registry.latestVersion(subject)
    let existing: number | undefined
    if (latest !== undefined) {
      existing = await registry.lookup(subject, schema).catch((error: unknown) => {
        if (error instanceof AvroError && error.code === AVRO_ERROR_CODES.SCHEMA_NOT_REGISTERED)
          return undefined
        throw error
      })
    }
    const issues =
      latest === undefined || existing !== undefined ? [] : evolutionIssues(schema, latest.schema, level)
    const compatibility = { from, to: level }
    if (options.dryRun === true) {
      const status = existing !== undefined ? 'unchanged' : issues.length > 0 ? 'rejected' : 'would register'
      results.push({ subject, id: existing, compatibility, status, issues })
      continue
    }
    // A new subject must exist before its level can be set; an existing one gets its level first.
    if (from !== undefined && from !== level) await registry.setSubjectCompatibility(subject, level)
    try {
      const id = existing ?? (await registry.register(subject, schema))
      if (from === undefined) await registry.setSubjectCompatibility(subject, level)
      results.push({
        subject,
        id,
        compatibility,
        status: existing === undefined ? 'registered' : 'unchanged',
        issues: [],
      })
    } catch (error) {
      if (!(error instanceof AvroError && error.code === AVRO_ERROR_CODES.REGISTRY_REJECTED)) throw error
      results.push({
        subject,
        id: undefined,
        compatibility,
        status: 'rejected',
        issues,
        error: error.message,
      })
    }
  }
  return results
}

/** The outcome of checking one schema against one earlier version. */
export interface SchemaCheck {
  readonly subject: string
  /** The .avsc file, relative to the schemas package. */
  readonly file: string
  /** `registry version <n>` or `git <ref>`. */
  readonly against: string
  readonly level: CompatibilityLevel
  readonly status: 'compatible' | 'incompatible' | 'new'
  readonly issues: readonly CompatibilityIssue[]
}

export interface CheckOptions {
  /** Compare with the latest registered version of each subject. */
  readonly registry?: ConfluentSchemaRegistry
  /** Compare with each .avsc at a git base; `true` picks the base as resolveBaseRef does. */
  readonly git?: { readonly base?: string; readonly schemasRoot?: string } | true
  readonly prefix?: string
  readonly topics?: readonly TopicSpec[]
}

function repoPath(root: string, schemasRoot: string, file: string): string {
  return relative(root, join(schemasRoot, file)).split(sep).join('/')
}

/**
 * `schemas check`: each topic's .avsc against the registered version and against its previous version
 * in git, at the topic's compatibility level. An incompatible change is a check with status
 * `incompatible` whose issues name the fields; the CLI fails on any.
 */
export async function checkSchemas(options: CheckOptions): Promise<SchemaCheck[]> {
  const topics = options.topics ?? TOPIC_LIST
  const checks: SchemaCheck[] = []
  if (options.git !== undefined) {
    const gitOptions = options.git === true ? {} : options.git
    const schemasRoot = gitOptions.schemasRoot ?? SCHEMAS_ROOT
    const root = repoRoot(schemasRoot)
    const base = resolveBaseRef(root, gitOptions.base)
    for (const topic of topics) {
      const subject = subjectName(`${options.prefix ?? ''}${topic.name}`, 'value')
      const path = repoPath(root, schemasRoot, topic.value.file)
      const against = `git ${base?.description ?? '(no earlier commit)'}`
      const previous = base === undefined ? undefined : showAt(root, base.commit, path)
      const file = topic.value.file
      if (previous === undefined) {
        checks.push({ subject, file, against, level: topic.compatibility, status: 'new', issues: [] })
        continue
      }
      const issues = evolutionIssues(
        topic.value.schema,
        JSON.parse(previous) as AvroSchema,
        topic.compatibility,
      )
      checks.push({
        subject,
        file,
        against,
        level: topic.compatibility,
        status: issues.length === 0 ? 'compatible' : 'incompatible',
        issues,
      })
    }
  }
  if (options.registry !== undefined) {
    for (const topic of topics) {
      const subject = subjectName(`${options.prefix ?? ''}${topic.name}`, 'value')
      const file = topic.value.file
      const latest = await options.registry.latestVersion(subject)
      if (latest === undefined) {
        checks.push({
          subject,
          file,
          against: 'registry',
          level: topic.compatibility,
          status: 'new',
          issues: [],
        })
        continue
      }
      const level = (await options.registry.subjectCompatibility(subject)) ?? topic.compatibility
      // Both the catalogue's level and the registry's hold: a weaker one set on the registry does not
      // excuse a change the catalogue forbids.
      const levels = [...new Set([topic.compatibility, level])].filter((l) => l !== 'NONE')
      const found = levels.flatMap((l) => evolutionIssues(topic.value.schema, latest.schema, l))
      const issues = [...new Map(found.map((i) => [`${i.path}: ${i.message}`, i])).values()]
      // The registry has the last word; should it refuse what the walk accepted, say so.
      if (issues.length === 0 && !(await options.registry.isCompatible(subject, topic.value.schema))) {
        issues.push({ path: subject, message: `the registry refuses the schema at ${level}` })
      }
      checks.push({
        subject,
        file,
        against: `registry version ${latest.version}`,
        level: topic.compatibility,
        status: issues.length === 0 ? 'compatible' : 'incompatible',
        issues,
      })
    }
  }
  return checks
}
