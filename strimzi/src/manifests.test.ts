import { existsSync } from 'node:fs'
import test from 'ava'
import { TOPIC_LIST, TOPICS } from '@oxagry/topics'
import { parse } from 'yaml'
import { KAFKA_TOPIC_CRD, kafkaTopicValidator } from './crd.ts'
import { kafkaTopic, manifestFile, readManifests, renderManifests } from './manifests.ts'

test('the Strimzi 1.2.0 CRDs are beside the repository (a missing reference fails, it is not skipped)', (t) => {
  t.true(existsSync(KAFKA_TOPIC_CRD), KAFKA_TOPIC_CRD)
})

const validate = kafkaTopicValidator()
const checkedIn = readManifests()

test('the checked-in manifests are what the generator makes from the catalogue now', async (t) => {
  const rendered = await renderManifests()
  t.deepEqual([...checkedIn.keys()], [...rendered.keys()].sort(), 'one file per topic plus the kustomization')
  for (const [name, text] of rendered) {
    t.is(checkedIn.get(name), text, `strimzi/topics/${name} is stale: npm run -w @oxagry/strimzi generate`)
  }
})

for (const [name, text] of checkedIn) {
  if (name === 'kustomization.yaml') continue
  test(`${name} is a valid kafka.strimzi.io/v1 KafkaTopic`, (t) => {
    t.deepEqual(validate(parse(text)), [])
  })
}

test('each manifest carries the production values of its declared topic', (t) => {
  for (const spec of TOPIC_LIST) {
    const manifest = parse(checkedIn.get(manifestFile(spec)) ?? 'null') as {
      metadata: { name: string; labels: Record<string, string> }
      spec: { partitions: number; replicas: number; config: Record<string, string | number> }
    }
    t.is(manifest.metadata.name, spec.name)
    t.is(manifest.metadata.labels['strimzi.io/cluster'], 'oxagry')
    t.is(manifest.spec.partitions, spec.partitions)
    t.is(manifest.spec.replicas, spec.replicationFactor)
    t.is(manifest.spec.config['cleanup.policy'], spec.cleanupPolicy)
    t.is(manifest.spec.config['retention.ms'], spec.retentionMs)
    t.is(manifest.spec.config['min.insync.replicas'], spec.minInsyncReplicas)
  }
  const kustomization = parse(checkedIn.get('kustomization.yaml') ?? 'null') as { resources: string[] }
  t.deepEqual(kustomization.resources, TOPIC_LIST.map(manifestFile).sort())
})

test('the validator rejects what the API server would reject or silently prune', (t) => {
  const good = kafkaTopic(TOPICS.machinePings)
  t.deepEqual(validate(good), [])
  const withSpec = (spec: Record<string, unknown>) => ({
    ...good,
    spec: { ...(good.spec as object), ...spec },
  })
  t.regex(validate(withSpec({ partitions: 0 })).join('\n'), /\/spec\/partitions must be >= 1/)
  t.regex(validate(withSpec({ replicas: 'three' })).join('\n'), /\/spec\/replicas must be integer/)
  t.regex(
    validate(withSpec({ replica: 3 })).join('\n'),
    /\/spec must NOT have additional properties: replica/,
  )
  t.regex(
    validate({ ...good, apiVersion: 'kafka.strimzi.io/v1beta2' }).join('\n'),
    /\/apiVersion must be kafka\.strimzi\.io\/v1/,
  )
  t.regex(validate({ ...good, metadata: { name: 'Fleet_Pings' } }).join('\n'), /RFC 1123/)
  t.regex(
    validate({ ...good, metadata: { name: 'fleet.pings.v1' } }).join('\n'),
    /strimzi\.io~1cluster is required/,
  )
  t.regex(
    validate({ apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: good.metadata }).join('\n'),
    /must have required property 'spec'/,
  )
})

test('a missing CRD is an error naming where it was expected', (t) => {
  t.throws(() => kafkaTopicValidator('/nonexistent/043-Crd-kafkatopic.yaml'), {
    message: /expected at \/nonexistent\/043-Crd-kafkatopic\.yaml/,
  })
})
