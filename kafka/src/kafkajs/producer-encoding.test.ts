import { createRequire } from 'node:module'
import test from 'ava'

// The install patch's changes to how kafkajs encodes what it produces (kafka/README.md): the grouping of
// a send's records by partition (kafkajs' own copied the partition's array for every record: O(n²)
// allocations for a send of n records, a third of the tracking platform's allocations at 10,000
// pings/s), varints written straight into the buffer, and 64-bit varints of small numbers without Long.
const require = createRequire(import.meta.url)
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string
  partitionMetadata: readonly { partitionId: number }[]
  messages: readonly { key: string; partition: number }[]
  partitioner: (args: { message: { partition: number } }) => number
}) => Record<string, { key: string; partition: number }[]>

const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId }))
const partitioner = ({ message }: { message: { partition: number } }): number => message.partition

test('a send is grouped by partition, every record once, in its order within each partition', (t) => {
  const messages = Array.from({ length: 30_000 }, (_, i) => ({ key: `k${i}`, partition: (i * 7) % 3 }))
  const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner })
  t.deepEqual(Object.keys(grouped).sort(), ['0', '1', '2'])
  for (const partition of [0, 1, 2]) {
    t.deepEqual(
      grouped[partition],
      messages.filter((m) => m.partition === partition),
    )
  }
})

test('a topic without partition metadata groups nothing', (t) => {
  const grouped = groupMessagesPerPartition({
    topic: 't',
    partitionMetadata: [],
    messages: [{ key: 'k', partition: 0 }],
    partitioner,
  })
  t.deepEqual(grouped, {})
})

interface Encoder {
  writeVarInt(value: number): Encoder
  writeUVarInt(value: number): Encoder
  writeVarLong(value: number | string): Encoder
  readonly buffer: Buffer
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as {
  new (): Encoder
  sizeOfVarInt(value: number): number
  sizeOfVarLong(value: number | string): number
}
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => {
  readVarInt(): number
  readUVarInt(): number
  readVarLong(): { toString(): string }
}

/** Kafka's zig-zag varlong, written out from its definition (no kafkajs code). */
function zigZagVarLong(value: bigint): Buffer {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  const bytes: number[] = []
  while (z >= 0x80n) {
    bytes.push(Number(z & 0x7fn) | 0x80)
    z >>= 7n
  }
  bytes.push(Number(z))
  return Buffer.from(bytes)
}

const edges = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 20, -(2 ** 20)]
const wide = [
  2 ** 30 - 1,
  -(2 ** 30),
  2 ** 30,
  -(2 ** 30) - 1,
  2 ** 31,
  -(2 ** 31) - 5,
  2 ** 40,
  1_796_000_000_000,
]

test('varlongs of small and large numbers are Kafka zig-zag varints, sized as written', (t) => {
  for (const value of [...edges, ...wide, ...wide.map((v) => -v)]) {
    const written = new Encoder().writeVarLong(value).buffer
    t.deepEqual(written, zigZagVarLong(BigInt(value)), String(value))
    t.is(Encoder.sizeOfVarLong(value), written.length, String(value))
    t.is(new Decoder(written).readVarLong().toString(), String(value))
  }
})

test('varints and unsigned varints round-trip and are sized as written', (t) => {
  for (const value of [...edges, 2 ** 30 - 1, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31)]) {
    const written = new Encoder().writeVarInt(value).buffer
    t.deepEqual(written, zigZagVarLong(BigInt(value)), String(value))
    t.is(Encoder.sizeOfVarInt(value), written.length)
    t.is(new Decoder(written).readVarInt(), value)
  }
  for (const value of [0, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 - 1]) {
    t.is(new Decoder(new Encoder().writeUVarInt(value).buffer).readUVarInt(), value)
  }
  // Many varints in one encoder grow its buffer as they go.
  const many = new Encoder()
  for (let i = 0; i < 1000; i++) many.writeVarInt(i * 1000)
  const decoder = new Decoder(many.buffer)
  for (let i = 0; i < 1000; i++) t.is(decoder.readVarInt(), i * 1000)
})
