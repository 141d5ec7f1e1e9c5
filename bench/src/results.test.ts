import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { validateStreamsResults, writeJson, type StreamsResult } from './results.ts'

const row: StreamsResult = {
  scenario: 'stateless',
  guarantee: 'exactly_once',
  system: 'oxagry-streams',
  records: 200_000,
  recordsPerSec: 41_000,
  p99Ms: 120,
}

test('a well-formed results list passes, with and without the optional figures', (t) => {
  const rows = [row, { ...row, system: 'kafka-streams', p50Ms: 10, p99VisibleMs: 150 }]
  t.deepEqual(validateStreamsResults(rows), rows)
})

test('a failed run has null figures and says why', (t) => {
  const failed = { ...row, recordsPerSec: null, p99Ms: null, error: 'timed out' }
  t.deepEqual(validateStreamsResults([failed]), [failed])
  t.throws(() => validateStreamsResults([{ ...row, p99Ms: null }]), {
    message: '/0/error must be present when a figure is null',
  })
})

test('problems are named by their path', (t) => {
  t.throws(() => validateStreamsResults({}), { message: '/ must be an array' })
  t.throws(() => validateStreamsResults([row, { ...row, system: 'flink' }]), {
    message: '/1/system must be one of oxagry-streams, kafkajs-loop, kafka-streams',
  })
  t.throws(() => validateStreamsResults([{ ...row, records: 0 }]), {
    message: '/0/records must be a positive integer',
  })
  t.throws(() => validateStreamsResults([{ ...row, recordsPerSec: -1 }]), {
    message: '/0/recordsPerSec must be a non-negative number or null',
  })
  t.throws(() => validateStreamsResults([{ ...row, extra: 1 }]), {
    message: '/0/extra must be absent (unknown field)',
  })
  const { p99Ms: _, ...withoutP99 } = row
  t.throws(() => validateStreamsResults([withoutP99]), {
    message: '/0/p99Ms must be a non-negative number or null',
  })
})

test('the checked-in results file is valid, covers every scenario, guarantee and system, and each configuration once', (t) => {
  const file = new URL('../results/streams.json', import.meta.url)
  const rows = validateStreamsResults(JSON.parse(readFileSync(file, 'utf8')))
  const keys = rows.map(
    (r) => `${r.scenario}/${r.guarantee}/${r.system}/${r.client ?? 'kafkajs'}/${r.threads ?? 1}`,
  )
  t.is(new Set(keys).size, keys.length)
  const covered = new Set(rows.map((r) => `${r.scenario}/${r.guarantee}/${r.system}`))
  t.is(covered.size, 2 * 2 * 3)
})

test('a row of medians says how many runs, with each run in order; a lone run says neither', (t) => {
  const medians = { ...row, client: 'rdkafka', runs: 3, recordsPerSecEach: [40_000, null, 42_000] } as const
  t.deepEqual(validateStreamsResults([medians]), [medians])
  t.throws(() => validateStreamsResults([{ ...medians, recordsPerSecEach: [40_000] }]), {
    message: '/0/recordsPerSecEach must be an array of one figure per run',
  })
  t.throws(() => validateStreamsResults([{ ...row, runs: 1 }]), {
    message: '/0/runs must be an integer of at least 2',
  })
  t.throws(() => validateStreamsResults([{ ...row, client: 'librdkafka' }]), {
    message: '/0/client must be one of kafkajs, rdkafka',
  })
})

test('writeJson leaves no temporary file behind and ends with a newline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-results-'))
  const path = join(dir, 'nested', 'out.json')
  writeJson(path, [row])
  t.deepEqual(JSON.parse(readFileSync(path, 'utf8')), [row])
  t.true(readFileSync(path, 'utf8').endsWith('}\n]\n'))
  t.deepEqual(readdirSync(join(dir, 'nested')), ['out.json'])
})
