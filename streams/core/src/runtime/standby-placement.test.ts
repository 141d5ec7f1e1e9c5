import test from 'ava'
import { standbyTasksFor, type KnownMember } from './standby-placement.ts'

const TASKS = Array.from({ length: 12 }, (_, p) => `0_${p}`)

function placeAll(members: readonly KnownMember[], replicas: number): Map<string, Set<string>> {
  return new Map(
    members.map((m) => [
      m.id,
      standbyTasksFor({ tasks: TASKS, self: m.id, active: m.active, members, replicas }),
    ]),
  )
}

test('no replicas: no standbys', (t) => {
  t.is(standbyTasksFor({ tasks: TASKS, self: 'a', active: new Set(), members: [], replicas: 0 }).size, 0)
})

test('knowing no other instance, one warms every task it does not run', (t) => {
  const mine = standbyTasksFor({
    tasks: TASKS,
    self: 'a',
    active: new Set(['0_0', '0_1']),
    members: [],
    replicas: 1,
  })
  t.deepEqual([...mine].sort(), TASKS.filter((id) => id !== '0_0' && id !== '0_1').sort())
})

test('each task gets exactly `replicas` standbys, never on its owner, the same whoever computes', (t) => {
  const members: KnownMember[] = ['a', 'b', 'c', 'd'].map((id, i) => ({
    id,
    active: new Set(TASKS.filter((_, p) => p % 4 === i)),
  }))
  for (const replicas of [1, 2, 3]) {
    const placed = placeAll(members, replicas)
    for (const task of TASKS) {
      const holders = members.filter((m) => placed.get(m.id)?.has(task))
      t.is(holders.length, replicas, `${task} with ${replicas} replicas`)
      t.false(holders.some((m) => m.active.has(task)))
    }
  }
  // More replicas than other instances: every other instance warms it.
  const placed = placeAll(members, 9)
  for (const task of TASKS) t.is(members.filter((m) => placed.get(m.id)?.has(task)).length, 3)
})

test('an instance leaving moves only its own standbys (rendezvous hashing)', (t) => {
  const all: KnownMember[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, active: new Set() }))
  const before = placeAll(all, 1)
  const after = placeAll(
    all.filter((m) => m.id !== 'd'),
    1,
  )
  for (const id of ['a', 'b', 'c']) {
    for (const task of before.get(id) ?? []) t.true(after.get(id)?.has(task), `${id} keeps ${task}`)
  }
})
