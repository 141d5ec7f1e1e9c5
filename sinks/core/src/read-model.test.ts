import test from 'ava'
import { machineReadModelContract, InMemoryMachineReadModel } from './testing/index.ts'
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
