import { Serdes } from '@oxagry/kafka'
import { type StoreType } from '@oxagry/streams'
import { TopologyTestDriver, type TestInputTopic, type TestOutputTopic } from '@oxagry/streams/testing'
import type { Scenario } from './scenarios.ts'
import type { KeyFormat, ValueFormat } from './topologies.ts'
import { TOPOLOGIES } from './topologies.ts'

/** One output record as both sides print it: canonical text, and the input record that produced it. */
export interface OutputRecord {
  readonly after: number
  readonly topic: string
  readonly key: string | null
  readonly value: string | null
  readonly timestamp: number
}

export interface ScenarioResult {
  readonly name: string
  readonly records: readonly OutputRecord[]
  readonly error?: string
}

/** key, key@start for time windows, key@start-end for sessions: the text Main.java makes. */
export function canonicalKey(bytes: Buffer | null, format: KeyFormat): string | null {
  if (bytes === null) return null
  switch (format) {
    case 'window':
      return `${bytes.subarray(0, bytes.length - 8).toString('utf8')}@${bytes.readBigInt64BE(bytes.length - 8)}`
    case 'session':
      return `${bytes.subarray(0, bytes.length - 16).toString('utf8')}@${bytes.readBigInt64BE(bytes.length - 8)}-${bytes.readBigInt64BE(bytes.length - 16)}`
    case 'string':
      return bytes.toString('utf8')
  }
}

export function canonicalValue(bytes: Buffer | null, format: ValueFormat): string | null {
  if (bytes === null) return null
  return format === 'long' ? bytes.readBigInt64BE(0).toString() : bytes.toString('utf8')
}

/** Runs a scenario through @oxagry/streams' TopologyTestDriver, reading every output after each input. */
export function runOurs(scenario: Scenario, storeType: StoreType = 'in-memory'): ScenarioResult {
  const topology = TOPOLOGIES[scenario.topology]
  if (topology === undefined)
    return { name: scenario.name, records: [], error: `no topology ${scenario.topology}` }
  const records: OutputRecord[] = []
  const S = Serdes.String()
  const B = Serdes.Buffer()
  let driver: TopologyTestDriver | undefined
  try {
    driver = new TopologyTestDriver(topology.build(storeType), { applicationId: 'conformance' })
    const inputs = new Map<string, TestInputTopic<string, string>>()
    const outputs = scenario.outputs.map((spec) => ({
      spec,
      topic: (driver as TopologyTestDriver).createOutputTopic(spec.topic, B, B) as TestOutputTopic<
        Buffer | null,
        Buffer | null
      >,
    }))
    scenario.inputs.forEach((input, after) => {
      let topic = inputs.get(input.topic)
      if (topic === undefined) {
        topic = (driver as TopologyTestDriver).createInputTopic(input.topic, S, S)
        inputs.set(input.topic, topic)
      }
      topic.pipeInput(input.key, input.value, input.timestamp)
      for (const { spec, topic: output } of outputs) {
        for (const r of output.readRecordsToList()) {
          records.push({
            after,
            topic: spec.topic,
            key: canonicalKey(r.key, spec.key),
            value: canonicalValue(r.value, spec.value),
            timestamp: r.timestamp,
          })
        }
      }
    })
    return { name: scenario.name, records }
  } catch (error) {
    return { name: scenario.name, records, error: error instanceof Error ? error.message : String(error) }
  } finally {
    driver?.close()
  }
}
