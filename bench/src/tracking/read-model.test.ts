import type { MachinePosition } from '@oxagry/avro'
import test from 'ava'
import { byMachine } from './read-model.ts'

const at = (machineId: string, eventTime: number) => ({ machineId, eventTime }) as unknown as MachinePosition

test('positions are grouped by machine, at most n machines a group, a machine never split', (t) => {
  const positions = [at('a', 1), at('b', 1), at('a', 2), at('c', 1), at('b', 2), at('d', 1), at('e', 1)]
  const groups = byMachine(positions, 2)
  t.deepEqual(
    groups.map((g) => g.map((p) => `${p.machineId}${p.eventTime}`)),
    [['a1', 'a2', 'b1', 'b2'], ['c1', 'd1'], ['e1']],
  )
  t.is(groups.flat().length, positions.length)
  t.deepEqual(byMachine([], 99), [])
})
