import test from 'ava'
import type avsc from 'avsc'
import type { AvroContract } from './contract.ts'
import { HEADER_SIZE } from './framing.ts'
import { Contracts, type ContractName } from './generated/contracts.ts'
import { InMemorySchemaRegistry } from './registry/in-memory.ts'
import { createAvroSerde } from './serde.ts'
import { encodeSample, GOLDEN_TOPIC, listFixtures, readFixture } from './testing/fixtures.ts'
import { plain } from './testing/plain.ts'
import { SAMPLES } from './testing/samples.ts'

const names = Object.keys(Contracts) as ContractName[]

function samplesOf(name: ContractName): readonly { name: string; value: unknown }[] {
  return SAMPLES[name] as readonly { name: string; value: unknown }[]
}

for (const name of names) {
  const contract = Contracts[name] as AvroContract<unknown>
  for (const sample of samplesOf(name)) {
    test(`${name}.${sample.name}: encoding the sample reproduces the golden bytes, decoding them gives the sample`, async (t) => {
      const golden = readFixture(name, sample.name)
      if (golden === undefined)
        return t.fail(`fixtures/${name}.${sample.name}.hex is missing: npm run -w @oxagry/avro fixtures`)
      const encoded = await encodeSample(contract, sample.value)
      t.is(encoded.toString('hex'), golden.toString('hex'))

      const registry = new InMemorySchemaRegistry()
      await registry.register(`${GOLDEN_TOPIC}-value`, contract.schema)
      const serde = await createAvroSerde({ registry, contract, prefetch: [golden.readInt32BE(1)] })
      const decoded = serde.deserialize(GOLDEN_TOPIC, golden, {})
      t.false(decoded instanceof Promise, 'a prefetched schema id decodes synchronously')
      t.deepEqual(plain(decoded), plain(sample.value))
    })
  }
}

test('every contract has samples, and the samples cover every branch of its unions', (t) => {
  for (const name of names) {
    const samples = samplesOf(name)
    t.true(samples.length > 0, `${name} has no sample`)
    const record = Contracts[name].type as avsc.types.RecordType
    for (const field of record.fields) {
      if (field.type.typeName !== 'union:wrapped') continue
      const branches = (field.type as avsc.types.WrappedUnionType).types.map((b) => b.branchName ?? '')
      const covered = new Set(
        samples.flatMap((s) =>
          Object.keys((s.value as Record<string, Record<string, unknown>>)[field.name] ?? {}),
        ),
      )
      for (const branch of branches)
        t.true(covered.has(branch), `${name}.${field.name}: no sample for ${branch}`)
    }
  }
})

test('every fixture belongs to a sample (renamed samples leave no stale fixtures)', (t) => {
  const expected = new Set(names.flatMap((n) => samplesOf(n).map((s) => `${n}.${s.name}.hex`)))
  t.deepEqual(
    listFixtures().filter((f) => !expected.has(f)),
    [],
  )
})

/** Reads Avro primitives off a buffer, written out here so the golden check does not rely on avsc alone. */
class Cursor {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
  ) {}

  /** Avro's zig-zag varint. */
  long(): number {
    let n = 0n
    let shift = 0n
    let byte: number
    do {
      byte = this.buf[this.pos++] ?? 0
      n |= BigInt(byte & 0x7f) << shift
      shift += 7n
    } while (byte & 0x80)
    return Number((n >> 1n) ^ -(n & 1n))
  }

  string(): string {
    const length = this.long()
    this.pos += length
    return this.buf.toString('utf8', this.pos - length, this.pos)
  }

  double(): number {
    this.pos += 8
    return this.buf.readDoubleLE(this.pos - 8)
  }
}

test('a golden frame is the Confluent framing around the Avro binary encoding (decoded by hand)', (t) => {
  const bytes = readFixture('MachinePing', 'moving')
  if (bytes === undefined) return t.fail('fixture missing')
  t.is(bytes[0], 0, 'magic byte')
  t.is(bytes.readInt32BE(1), new InMemorySchemaRegistry().idOf(Contracts.MachinePing.schema), 'schema id')
  const body = new Cursor(bytes, HEADER_SIZE)
  const decoded = {
    pingId: body.string(),
    machineId: body.string(),
    sequence: body.long(),
    eventTime: body.long(),
    latitude: body.double(),
    longitude: body.double(),
    speedKmh: body.double(),
    // A union is its branch index, then the branch: 1 is double.
    headingBranch: body.long(),
    headingDegrees: body.double(),
  }
  const sample = SAMPLES.MachinePing[0]?.value
  t.deepEqual(decoded, {
    pingId: sample?.pingId,
    machineId: sample?.machineId,
    sequence: sample?.sequence,
    eventTime: sample?.eventTime,
    latitude: sample?.latitude,
    longitude: sample?.longitude,
    speedKmh: sample?.speedKmh,
    headingBranch: 1,
    headingDegrees: sample?.headingDegrees,
  })
})
