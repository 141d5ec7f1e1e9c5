import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { kafkaTopicValidator } from './crd.ts'
import { MANIFEST_DIR, readManifests, renderManifests } from './manifests.ts'

const USAGE = `Usage: npm run -w @oxagry/strimzi generate [-- --check]

Writes a Strimzi KafkaTopic manifest per catalogue topic, and a kustomization listing them, into
strimzi/topics/, after validating each against the Strimzi 1.2.0 CRD. Files of topics no longer
declared are removed (deleting a KafkaTopic deletes the topic: review the diff).
  --check   write nothing; exit 1 when the checked-in manifests are stale`

async function run(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  if (argv.some((a) => a !== '--check')) {
    console.error(USAGE)
    return 2
  }
  const rendered = await renderManifests()
  const validate = kafkaTopicValidator()
  let invalid = 0
  for (const [name, text] of rendered) {
    if (name === 'kustomization.yaml') continue
    for (const problem of validate(parse(text))) {
      console.error(`${name}: ${problem}`)
      invalid++
    }
  }
  if (invalid > 0) return 1
  const current = readManifests()
  const stale = [...rendered].filter(([name, text]) => current.get(name) !== text).map(([name]) => name)
  const removed = [...current.keys()].filter((name) => !rendered.has(name))
  if (argv.includes('--check')) {
    for (const name of [...stale, ...removed]) console.error(`stale: strimzi/topics/${name}`)
    return stale.length + removed.length === 0 ? 0 : 1
  }
  for (const name of stale) {
    writeFileSync(join(MANIFEST_DIR, name), rendered.get(name) ?? '')
    console.log(`wrote strimzi/topics/${name}`)
  }
  for (const name of removed) {
    rmSync(join(MANIFEST_DIR, name))
    console.log(`removed strimzi/topics/${name}`)
  }
  if (stale.length + removed.length === 0) console.log('manifests up to date')
  return 0
}

process.exitCode = await run(process.argv.slice(2))
