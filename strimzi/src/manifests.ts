import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DOMAINS, KEY_FORMATS, TOPIC_LIST, topicConfig, type TopicSpec } from '@oxagry/topics'
import { format, resolveConfig } from 'prettier'
import { stringify } from 'yaml'
import { STRIMZI_API_VERSION } from './crd.ts'

/** Where the generated manifests live: one file per topic and a kustomization listing them. */
export const MANIFEST_DIR = fileURLToPath(new URL('../topics', import.meta.url))

/** The Kafka cluster resource (Strimzi `Kafka`) the topics belong to. */
export const CLUSTER_NAME = 'oxagry'

const HEADER =
  '# Generated from the topic catalogue (topics/src/catalogue.ts) by `npm run -w @oxagry/strimzi generate`. Do not edit.\n'

/** Numbers where Kafka's string is a number, as Strimzi's examples write configs. */
function configValue(value: string): string | number {
  return /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value
}

/** The KafkaTopic resource of a declared topic, with production replication. */
export function kafkaTopic(spec: TopicSpec, cluster: string = CLUSTER_NAME): Record<string, unknown> {
  const domain = DOMAINS.find((d) => spec.name.startsWith(`${d}.`)) ?? 'unknown'
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaTopic',
    metadata: {
      name: spec.name,
      labels: {
        'strimzi.io/cluster': cluster,
        'app.kubernetes.io/part-of': 'oxagry',
        'oxagry.dev/domain': domain,
      },
      annotations: {
        'oxagry.dev/description': spec.description,
        'oxagry.dev/key': KEY_FORMATS[spec.key].description,
        'oxagry.dev/value-schema': spec.value.name,
        'oxagry.dev/compatibility': spec.compatibility,
      },
    },
    spec: {
      partitions: spec.partitions,
      replicas: spec.replicationFactor,
      config: Object.fromEntries(
        Object.entries(topicConfig(spec, 'production')).map(([k, v]) => [k, configValue(v)]),
      ),
    },
  }
}

export function manifestFile(spec: TopicSpec): string {
  return `${spec.name}.yaml`
}

async function formatYaml(name: string, text: string): Promise<string> {
  const path = join(MANIFEST_DIR, name)
  return format(text, { ...((await resolveConfig(path)) ?? {}), filepath: path })
}

/** Every file of the manifest folder as the generator makes it, by file name. */
export async function renderManifests(
  topics: readonly TopicSpec[] = TOPIC_LIST,
): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const spec of topics) {
    files.set(
      manifestFile(spec),
      await formatYaml(manifestFile(spec), HEADER + stringify(kafkaTopic(spec), { lineWidth: 0 })),
    )
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files.keys()].sort(),
  }
  files.set('kustomization.yaml', await formatYaml('kustomization.yaml', HEADER + stringify(kustomization)))
  return files
}

/** The manifest folder as checked in, by file name. */
export function readManifests(dir: string = MANIFEST_DIR): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  )
}
