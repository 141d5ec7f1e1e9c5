import test from 'ava'
import { isAvroError } from '../errors.ts'
import type { AvroRecordSchema } from '../schema.ts'
import { staleGenerated } from './files.ts'
import { generate } from './generate.ts'

test('the checked-in generated code is what the codegen makes from the .avsc files now', async (t) => {
  const stale = await staleGenerated()
  t.deepEqual(stale, [], `stale: ${stale.join(', ')}; run npm run -w @oxagry/avro codegen`)
})

const ping = (symbols: string[]): AvroRecordSchema => ({
  type: 'record',
  name: 'Ping',
  namespace: 'dev.oxagry.test',
  doc: 'A ping.',
  fields: [
    {
      name: 'machineId',
      type: { type: 'string', 'oxagry.brand': 'MachineId' },
      doc: 'The machine.',
    },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'state', type: { type: 'enum', name: 'State', symbols } },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'extra', type: ['null', { type: 'map', values: 'bytes' }], default: null },
    {
      name: 'payload',
      type: [
        { type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] },
        { type: 'record', name: 'B', fields: [] },
      ],
    },
  ],
})

test('records become readonly interfaces; brands, timestamps, enums, arrays, maps and unions map as decoded', (t) => {
  const types = generate([{ file: 'test/ping.avsc', schema: ping(['ON', 'OFF']) }]).get('types.ts') ?? ''
  t.regex(types, /import type \{ MachineId, TimestampMillis \} from '\.\.\/ids\.ts'/)
  t.regex(types, /\/\*\* A ping\. \*\/\nexport interface Ping \{/)
  t.regex(types, /\/\*\* The machine\. \*\/\n {2}readonly machineId: MachineId\n/)
  t.regex(types, /readonly at: TimestampMillis\n/)
  t.regex(types, /export const State = \{\n {2}ON: 'ON',\n {2}OFF: 'OFF',\n\} as const\n/)
  t.regex(types, /export type State = \(typeof State\)\[keyof typeof State\]/)
  t.regex(types, /readonly tags: ReadonlyArray<string>/)
  t.regex(types, /readonly extra: null \| Readonly<Record<string, Buffer>>/)
  // Several records in one union: avsc wraps each branch in an object keyed by the full name.
  t.regex(
    types,
    /readonly payload: \{ readonly 'dev\.oxagry\.test\.A': A \} \| \{ readonly 'dev\.oxagry\.test\.B': B \}/,
  )
  const contracts = generate([{ file: 'test/ping.avsc', schema: ping(['ON']) }]).get('contracts.ts') ?? ''
  t.regex(contracts, /Ping: defineContract<Ping>\('test\/ping\.avsc', 'dev\.oxagry\.test\.Ping'\)/)
})

test('a named type defined in two files must be identical there', (t) => {
  const other = (symbols: string[]): AvroRecordSchema => ({
    type: 'record',
    name: 'Other',
    namespace: 'dev.oxagry.test',
    fields: [{ name: 'state', type: { type: 'enum', name: 'State', symbols } }],
  })
  const same = generate([
    { file: 'a.avsc', schema: ping(['ON', 'OFF']) },
    { file: 'b.avsc', schema: other(['ON', 'OFF']) },
  ])
  t.is((same.get('types.ts') ?? '').match(/export const State =/g)?.length, 1, 'declared once')
  const error = t.throws(() =>
    generate([
      { file: 'a.avsc', schema: ping(['ON', 'OFF']) },
      { file: 'b.avsc', schema: other(['ON', 'OFF', 'BROKEN']) },
    ]),
  )
  t.true(isAvroError(error, 'OXA_AVRO_INVALID_SCHEMA'))
  t.regex(error?.message ?? '', /dev\.oxagry\.test\.State is also defined in a\.avsc/)
})

test('a brand must exist in ids.ts and may only mark strings', (t) => {
  const branded = (type: string, brand: string): AvroRecordSchema => ({
    type: 'record',
    name: 'R',
    fields: [{ name: 'id', type: { type, 'oxagry.brand': brand } as never }],
  })
  t.throws(() => generate([{ file: 'r.avsc', schema: branded('string', 'TractorId') }]), {
    message: /unknown oxagry\.brand TractorId/,
  })
  t.throws(() => generate([{ file: 'r.avsc', schema: branded('long', 'MachineId') }]), {
    message: /brands are for strings/,
  })
})
