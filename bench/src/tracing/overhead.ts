/**
 * What the runtime's record spans cost: records piped through a stateless topology (mapValues, filter,
 * to) in the TopologyTestDriver, each carrying a `traceparent` header, with no SDK registered (`off`,
 * the API's no-op) or with the SDK, batching as it does for OTLP, and an exporter that drops what it is given (`sdk`). One mode a
 * process, since an SDK once registered stays for the process's tracers:
 *
 *   node --import tsx src/tracing/overhead.ts off|sdk [records]
 */
import { Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '@oxagry/streams'
import { TopologyTestDriver } from '@oxagry/streams/testing'

const mode = process.argv[2] ?? 'off'
const records = Number(process.argv[3] ?? 200_000)
if (mode === 'sdk') {
  const { startTracing } = await import('@oxagry/tracing')
  startTracing({
    serviceName: 'bench',
    exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} },
    delivery: 'batched',
  })
} else if (mode !== 'off') throw new Error('mode: off or sdk')

const S = Serdes.String()
const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
builder
  .stream<string, string>('in', { keySerde: S, valueSerde: S })
  .mapValues((v) => `${v}!`)
  .filter(() => true)
  .to('out')
const driver = new TopologyTestDriver(builder.build(), { applicationId: 'bench' })
const input = driver.createInputTopic('in', S, S)
const output = driver.createOutputTopic('out', S, S)
const headers = { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') }

/** CPU time (user and system) per record, in ns: on a shared machine, wall time measures the neighbours. */
function run(n: number): number {
  const started = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    input.pipeInput('k', 'value', i, headers)
    if (i % 1000 === 999) output.readRecordsToList()
  }
  const used = process.cpuUsage(started)
  return ((used.user + used.system) * 1000) / n
}

run(records / 4) // warm-up
const rounds = Array.from({ length: 5 }, () => run(records)).sort((a, b) => a - b)
process.stdout.write(`${mode}: ${rounds[2]?.toFixed(0)} ns CPU/record (median of 5 rounds of ${records})\n`)
driver.close()
