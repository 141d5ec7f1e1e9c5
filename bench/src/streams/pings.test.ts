import test from 'ava'
import { Contracts } from '@oxagry/avro'
import { keep, machineKey, MACHINES, pingMaker, reshape } from './pings.ts'

test('keys cycle over MACHINES machines, prefixed for the latency phase', (t) => {
  t.is(machineKey(0), 'machine-0000')
  t.is(machineKey(MACHINES + 7), 'machine-0007')
  t.is(machineKey(3, 'p2-'), 'p2-machine-0003')
})

test('pings are valid MachinePing records, and the filter keeps roughly half of them', (t) => {
  const make = pingMaker(42)
  const pings = Array.from({ length: 10_000 }, (_, i) => make(machineKey(i), i, 1_700_000_000_000 + i))
  t.true(pings.every((p) => Contracts.MachinePing.type.isValid(p)))
  const kept = pings.filter(keep).length / pings.length
  t.true(kept > 0.5 && kept < 0.65, `kept ${kept}`)
})

test('the same seed makes the same pings but for pingId', (t) => {
  const strip = ({ pingId: _, ...rest }: ReturnType<ReturnType<typeof pingMaker>>) => rest
  t.deepEqual(strip(pingMaker(1)('machine-0001', 1, 5)), strip(pingMaker(1)('machine-0001', 1, 5)))
})

test('reshape rounds as the Java topology does (Math.round: halves up)', (t) => {
  const ping = pingMaker(3)('machine-0001', 1, 5)
  const out = reshape({ ...ping, latitude: 52.123456, longitude: -5.000005, speedKmh: 12.25 })
  t.is(out.latitude, 52.12346)
  t.is(out.longitude, -5)
  t.is(out.speedKmh, 12.3)
  t.is(out.pingId, ping.pingId)
})
