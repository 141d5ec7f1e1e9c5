import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { createFleet, SEQUENCE_STRIDE } from './fleet.ts'
import { nextLife } from './life.ts'

test('a restarted simulator continues: its next life replays no ping id and its sequences go on upward', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-life-')), 'simulator', 'life')
  t.is(nextLife(file), 0)
  t.is(nextLife(file), 1)
  t.is(nextLife(file), 2)

  const run = (life: number) =>
    createFleet({ machines: 20, ratePerSecond: 200, seed: 42, life, startTimeMs: 0 }).tick(60_000)
  const first = run(0)
  const second = run(1)
  t.true(first.length > 1000 && second.length > 1000)
  const firstIds = new Set(first.map((e) => e.ping.pingId))
  t.deepEqual(
    second.filter((e) => firstIds.has(e.ping.pingId)).map((e) => e.ping.pingId),
    [],
  )
  const lastSequence = new Map<string, number>()
  for (const e of first)
    lastSequence.set(e.ping.machineId, Math.max(lastSequence.get(e.ping.machineId) ?? 0, e.ping.sequence))
  for (const e of second)
    t.true(e.ping.sequence > (lastSequence.get(e.ping.machineId) ?? 0), e.ping.machineId)
  t.true(second.every((e) => e.ping.sequence >= SEQUENCE_STRIDE))
  // Life 0 is the fleet it always was: the same seed still gives the same pings.
  t.deepEqual(
    run(0).map((e) => e.ping.pingId),
    first.map((e) => e.ping.pingId),
  )
})
