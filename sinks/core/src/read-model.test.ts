import test from 'ava'
import { machineReadModelContract, InMemoryMachineReadModel } from './testing/index.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { decodeCursor, encodeCursor, machineStatus } from './read-model.ts'

machineReadModelContract('in-memory', test, async () => new InMemoryMachineReadModel())

test('status comes from speed first, then the engine', (t) => {
  t.is(machineStatus({ speedKmh: 5, engineState: 'OFF' }), 'MOVING')
  t.is(machineStatus({ speedKmh: 0.4, engineState: 'RUNNING' }), 'IDLE')
  t.is(machineStatus({ speedKmh: 0, engineState: 'IDLE' }), 'IDLE')
  t.is(machineStatus({ speedKmh: 0, engineState: 'OFF' }), 'OFF')
  t.is(machineStatus({ speedKmh: 0, engineState: 'UNKNOWN' }), 'UNKNOWN')
})

test('a cursor round-trips and hides the id', (t) => {
  const cursor = encodeCursor('MF-8S-00042')
  t.false(cursor.includes('MF-8S'))
  t.is(decodeCursor(cursor), 'MF-8S-00042')
})

test('a cursor it did not make is refused with a typed error naming /query/cursor', (t) => {
  const good = encodeCursor('MF-8S-00042')
  // The last character carries padding bits base64url decoding drops: changing it decodes the same id.
  const lastChanged = good.slice(0, -1) + (good.endsWith('Q') ? 'R' : 'Q')
  const middleChanged = good.slice(0, 5) + (good[5] === 'A' ? 'B' : 'A') + good.slice(6)
  for (const cursor of [
    '!!!',
    '',
    '\u0000',
    Buffer.from(Array.from({ length: 24 }, (_, i) => (i * 37) % 256)).toString('base64'),
    lastChanged,
    middleChanged,
    `${good}=`,
    Buffer.from('{"after":123}').toString('base64url'),
    Buffer.from('null').toString('base64url'),
    encodeCursor('MF-1\u0000'),
  ]) {
    const error = t.throws(() => decodeCursor(cursor), { instanceOf: SinkError }, JSON.stringify(cursor))
    t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY)
    t.is(error?.context.path, '/query/cursor')
  }
})
