import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import test from 'ava'
import { TOPIC_LIST } from '@oxagry/topics'
import { PACKAGE_DIR, renderGenerated } from '../render.ts'
import { WORKLOADS } from '../workloads.ts'
import { crdValidators } from './crd-schemas.ts'
import { kustomizeBuild } from './render.ts'
import { validationTools } from './tools.ts'
import { validateObjects, type KubeObject } from './validate.ts'

const tools = validationTools()
const crds = crdValidators()

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  )
}

test('the committed manifests and rule file are what the code generates', async (t) => {
  const generated = await renderGenerated()
  for (const [path, text] of generated)
    t.is(
      readFileSync(join(PACKAGE_DIR, path), 'utf8'),
      text,
      `${path} is stale: npm run -w @oxagry/deploy generate`,
    )
  const onDisk = files(join(PACKAGE_DIR, 'kubernetes', 'base')).map((f) => relative(PACKAGE_DIR, f))
  t.deepEqual(
    onDisk.filter((f) => !generated.has(f)),
    [],
    'files in the base that the code does not generate',
  )
})

test('the production overlay renders, and every object is valid offline', (t) => {
  const objects = kustomizeBuild(tools.kustomize, join(PACKAGE_DIR, 'kubernetes', 'overlays', 'production'))
  const count = (kind: string): number => objects.filter((o) => o.kind === kind).length
  t.is(count('Kafka'), 1)
  t.is(count('KafkaNodePool'), 2)
  t.is(count('KafkaTopic'), TOPIC_LIST.length)
  t.is(count('KafkaUser'), WORKLOADS.length)
  t.is(count('StatefulSet') + count('Deployment'), WORKLOADS.length)
  t.is(count('PodDisruptionBudget'), WORKLOADS.length)
  t.is(count('HorizontalPodAutoscaler'), WORKLOADS.filter((w) => w.autoscale !== undefined).length)
  t.is(count('PodMonitor'), WORKLOADS.length + 1)
  t.is(count('PrometheusRule'), 1)
  for (const o of objects.filter((o) => o.kind !== 'Namespace'))
    t.is(o.metadata.namespace, 'oxagry', o.metadata.name)
  t.deepEqual(validateObjects(objects, crds, tools.kubernetesValidate), [])
})

test('validation refuses a misspelt field in a built-in object and in a custom resource', (t) => {
  const objects = kustomizeBuild(tools.kustomize, join(PACKAGE_DIR, 'kubernetes', 'base'))
  const pick = (kind: string): Record<string, unknown> =>
    structuredClone(objects.find((o) => o.kind === kind)) as unknown as Record<string, unknown>
  const statefulSet = pick('StatefulSet')
  ;(statefulSet.spec as Record<string, unknown>).replica = 3
  const kafka = pick('Kafka')
  ;(kafka.spec as { kafka: Record<string, unknown> }).kafka.listener = []
  const user = pick('KafkaUser')
  ;(user.spec as { authentication: Record<string, unknown> }).authentication.type = 'scram-sha-256'
  const problems = validateObjects(
    [statefulSet, kafka, user] as unknown as KubeObject[],
    crds,
    tools.kubernetesValidate,
  )
  t.true(
    problems.some((p) => p.startsWith('Kafka/oxagry:') && p.includes('listener')),
    problems.join('\n'),
  )
  t.true(
    problems.some((p) => p.startsWith('KafkaUser/')),
    problems.join('\n'),
  )
  t.true(
    problems.some((p) => p.startsWith('kubernetes-validate') && p.includes('replica')),
    problems.join('\n'),
  )
})

test('an object of a kind no schema knows is refused', (t) => {
  const problems = validateObjects(
    [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }],
    crds,
    tools.kubernetesValidate,
  )
  t.deepEqual(problems, ['Widget/w: no schema for example.com/v1 Widget'])
})
