import fc from 'fast-check'
import { TOPOLOGIES, type InputTopic, type NamedTopology, type OutputSpec } from './topologies.ts'

/** One record piped into an input topic. */
export interface InputRecord {
  readonly topic: InputTopic
  readonly key: string | null
  readonly value: string | null
  readonly timestamp: number
}

/** A named topology over an input, as both drivers run it (the JSON Main.java reads). */
export interface Scenario {
  readonly name: string
  readonly topology: string
  readonly inputs: readonly InputRecord[]
  readonly outputs: readonly OutputSpec[]
}

type Row = readonly [InputTopic, string | null, string | null, number]
const rows = (list: readonly Row[]): InputRecord[] =>
  list.map(([topic, key, value, timestamp]) => ({ topic, key, value, timestamp }))

/**
 * Hand-written inputs, each aimed at rules that have differed: out-of-order and late records, null keys
 * and values, sessions that merge, table updates that keep or change their group, tombstones for absent
 * keys, joins on missing keys. Every topology runs over every set that writes to a topic it reads.
 */
export const INPUT_SETS: Readonly<Record<string, readonly InputRecord[]>> = {
  ordered: rows([
    ['in', 'a', 'a1', 1],
    ['in', 'b', 'b1', 2],
    ['in', 'a', 'a2', 3],
    ['in', 'a', 'b3', 5],
    ['in', 'c', 'a,b', 7],
    ['in', 'b', 'x', 9],
    ['in', 'a', 'a5', 12],
    ['in', 'b', 'b6', 18],
    ['in', 'a', 'a7', 25],
    ['in2', 'z', 'z1', 26],
  ]),
  outOfOrder: rows([
    ['in', 'a', 'a1', 10],
    ['in', 'a', 'a2', 5],
    ['in', 'b', 'b1', 14],
    ['in', 'a', 'a3', 2],
    ['in', 'b', 'b2', 30],
    ['in', 'a', 'a4', 12],
    ['in', 'a', 'a5', 29],
    ['in', 'c', 'c1', 0],
    ['in', 'b', 'b3', 21],
    ['in', 'a', 'a6', 24],
    ['in2', 'a', 'a8', 3],
  ]),
  nulls: rows([
    ['in', 'a', null, 1],
    ['in', null, 'a0', 2],
    ['in', 'a', 'a1', 3],
    ['in', 'b', null, 4],
    ['in', null, null, 5],
    ['in', 'b', 'b1', 6],
    ['in', 'a', 'a2', 8],
    ['in', 'a', null, 15],
  ]),
  sessions: rows([
    ['in', 'm', 'a1', 0],
    ['in', 'm', 'a2', 4],
    ['in', 'm', 'a3', 2],
    ['in', 'm', 'a4', 20],
    ['in', 'm', 'a5', 12],
    ['in', 'n', 'b1', 3],
    ['in', 'm', 'a6', 16],
    ['in', 'm', 'a7', 40],
    ['in', 'm', 'a8', 9],
    ['in', 'n', 'b2', 50],
  ]),
  suppression: rows([
    ['in', 'b', 'b1', 14],
    ['in', 'a', 'a1', 16],
    ['in', 'a', 'a2', 3],
    ['in', 'c', 'skip', 100],
    ['in', 'c', 'a3', 25],
    ['in', 'a', 'a4', 21],
    ['in', 'b', 'b2', 35],
    ['in', 'a', 'a5', 36],
  ]),
  tableUpdates: rows([
    ['table', 'p1', 'a1', 1],
    ['table', 'p2', 'b2', 2],
    ['in', 'p1', 'o1', 3],
    ['table', 'p1', 'a3', 4],
    ['table', 'p1', 'b4', 5],
    ['table', 'p3', null, 6],
    ['in', 'p2', 'o2', 7],
    ['table', 'p2', null, 8],
    ['table', 'p2', 'a5', 9],
    ['in', null, 'o3', 10],
    ['in', 'p1', null, 11],
    ['in', 'p4', 'o4', 12],
    ['table', 'p1', 'a6', 3],
    ['in', 'p2', 'p1', 13],
    ['table', null, 'a7', 14],
  ]),
  streamJoin: rows([
    ['in', 'a', 'a1', 10],
    ['in2', 'a', 'x1', 12],
    ['in2', 'b', 'y1', 13],
    ['in', 'a', 'a2', 14],
    ['in', 'c', 'c1', 15],
    ['in2', 'a', 'x2', 9],
    ['in', 'b', null, 16],
    ['in', null, 'n1', 16],
    ['in2', null, 'n2', 17],
    ['in2', 'a', 'x3', 20],
    ['in', 'a', 'a3', 20],
    ['in', 'a', 'a3', 20],
    ['in2', 'c', 'z1', 24],
    ['in', 'b', 'b1', 3],
    ['in', 'd', 'd1', 27],
    ['in2', 'a', 'x4', 30],
    ['in', 'a', 'a4', 6],
    ['in2', 'd', 'w1', 40],
    ['in', 'e', 'e1', 41],
    ['in2', 'e', 'v1', 46],
    ['in', 'a', 'a5', 60],
  ]),
  tables: rows([
    ['table', 'a', 'a1', 5],
    ['table2', 'a', 'x1', 3],
    ['table2', 'b', 'y1', 4],
    ['table', 'b', 'b1', 2],
    ['table', 'a', 'a2', 8],
    ['table2', 'c', 'z1', 9],
    ['table2', 'a', 'x2', 1],
    ['table', 'd', null, 10],
    ['table2', 'd', null, 11],
    ['table', 'b', null, 12],
    ['table', 'b', null, 13],
    ['table2', 'a', null, 14],
    ['table', 'a', 'b3', 15],
    ['table2', 'a', 'x3', 7],
    ['table', null, 'n1', 16],
    ['table2', null, 'n2', 16],
    ['table', 'c', 'a4', 17],
    ['table2', 'c', null, 18],
    ['table', 'c', null, 19],
    ['table2', 'b', 'y2', 20],
    ['table', 'b', 'a5', 6],
    ['in', 'a', 's1', 21],
    ['in', 'b', 's2', 22],
    ['in', 'c', 's3', 23],
    ['in', 'x', 's4', 24],
  ]),
  global: rows([
    ['global', 'g1', 'G1', 0],
    ['global', 'g2', 'G2', 1],
    ['in', 'o1', 'g1', 2],
    ['in', 'o2', 'g3', 3],
    ['in', 'o3', null, 4],
    ['in', null, 'g2', 5],
    ['in', 'o4', 'g2', 6],
    ['global', 'g1', null, 7],
    ['in', 'o5', 'g1', 8],
    ['global', 'g3', 'G3', 9],
    ['in', 'o2', 'g3', 10],
  ]),
}

/** The records of an input a topology is compared on (see NamedTopology.excludeNullKeys). */
function usable(spec: NamedTopology, records: readonly InputRecord[]): InputRecord[] {
  return records.filter(
    (r) => spec.inputs.includes(r.topic) && (spec.excludeNullKeys !== true || r.key !== null),
  )
}

/** Named scenarios: each topology over each input set that writes to one of its inputs. */
export function namedScenarios(): Scenario[] {
  const out: Scenario[] = []
  for (const [topology, spec] of Object.entries(TOPOLOGIES)) {
    for (const [set, records] of Object.entries(INPUT_SETS)) {
      const inputs = usable(spec, records)
      if (!inputs.some((r) => r.topic === spec.inputs[spec.inputs.length - 1])) continue
      out.push({ name: `${topology}/${set}`, topology, inputs, outputs: spec.outputs })
    }
  }
  return out
}

/**
 * Random inputs per topology: a few keys (and null; 'B' < 'a' < 'ab' < 'b' in byte order), values from a small alphabet (and null), out-of
 * order timestamps in a narrow range, so windows overlap, sessions merge and records arrive late.
 */
function recordsFor(topics: readonly InputTopic[]): fc.Arbitrary<InputRecord[]> {
  const record = fc.record({
    topic: fc.constantFrom(...topics),
    key: fc.constantFrom<string | null>('a', 'b', 'c', 'ab', 'B', null),
    value: fc.constantFrom<string | null>('a1', 'a2', 'b1', 'b,a', 'x', 'ab', null),
    // Mostly a narrow range (windows overlap, sessions merge), sometimes a jump that closes them.
    timestamp: fc.oneof(
      { arbitrary: fc.nat({ max: 60 }), weight: 4 },
      { arbitrary: fc.nat({ max: 300 }), weight: 1 },
    ),
  })
  return fc.array(record, { minLength: 1, maxLength: 40 })
}

/** `perTopology` random inputs for each topology, reproducible from the seed. */
export function generatedScenarios(seed: number, perTopology: number): Scenario[] {
  const out: Scenario[] = []
  for (const [topology, spec] of Object.entries(TOPOLOGIES)) {
    const samples = fc.sample(recordsFor(spec.inputs), { seed: seed + hash(topology), numRuns: perTopology })
    samples.forEach((inputs, i) => {
      out.push({
        name: `${topology}/generated-${i}`,
        topology,
        inputs: usable(spec, inputs),
        outputs: spec.outputs,
      })
    })
  }
  return out
}

function hash(text: string): number {
  let h = 0
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0
  return h
}
