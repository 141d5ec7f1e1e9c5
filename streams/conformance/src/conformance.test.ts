/**
 * The differential suite: every scenario (named, and generated with fast-check) runs through Apache
 * Kafka Streams 4.3.1's TopologyTestDriver, all in one JVM, and through ours; every output record
 * (topic, key, value, timestamp, and the input that produced it) must be the same.
 * CONFORMANCE_SEED and CONFORMANCE_RUNS change the generated inputs.
 */
import test from 'ava'
import { lines } from './compare.ts'
import { runOurs, type ScenarioResult } from './drivers.ts'
import { runKafka } from './java.ts'
import { generatedScenarios, namedScenarios, type Scenario } from './scenarios.ts'

const seed = Number(process.env['CONFORMANCE_SEED'] ?? 20261130)
const runs = Number(process.env['CONFORMANCE_RUNS'] ?? 12)
const named = namedScenarios()
const generated = generatedScenarios(seed, runs)
const all: Scenario[] = [...named, ...generated]

let kafka: Map<string, ScenarioResult> | undefined

test.before(() => {
  kafka = new Map(runKafka(all).map((r) => [r.name, r]))
})

test('there are at least 60 named scenarios and every topology has generated ones', (t) => {
  t.true(named.length >= 60, `${named.length} named scenarios`)
  t.true(generated.length > 0)
})

for (const scenario of all) {
  test(`${scenario.name} matches Kafka Streams`, (t) => {
    const reference = kafka?.get(scenario.name)
    if (reference === undefined) {
      t.fail(`Kafka Streams gave no result for ${scenario.name}`)
      return
    }
    t.is(reference.error, undefined, `Kafka Streams failed: ${reference.error}`)
    const ours = runOurs(scenario)
    t.deepEqual(lines(ours), lines(reference), `inputs: ${JSON.stringify(scenario.inputs)}`)
  })
}

// The named scenarios once more with every DSL store in LMDB: persistent stores owe the same answers.
for (const scenario of named) {
  test(`${scenario.name} with persistent stores matches Kafka Streams`, (t) => {
    const reference = kafka?.get(scenario.name)
    if (reference === undefined) {
      t.fail(`Kafka Streams gave no result for ${scenario.name}`)
      return
    }
    const ours = runOurs(scenario, 'persistent')
    t.deepEqual(lines(ours), lines(reference), `inputs: ${JSON.stringify(scenario.inputs)}`)
  })
}
