import test from 'ava'
import { simulatedCatalogue } from './commerce/catalogue.ts'
import { createFleet } from './fleet.ts'
import { simulatedMachines } from './machines.ts'

test('the registry names the machines the pings come from, each for rent at a catalogue product', (t) => {
  const machines = simulatedMachines(12, 0)
  const fleet = createFleet({ machines: 12, seed: 1 })
  t.deepEqual(
    machines.map((m) => m.machineId),
    [...fleet.machineIds],
  )
  const products = new Set(simulatedCatalogue().map((p) => p.productId as string))
  for (const m of machines)
    t.true(products.has(m.rentalProductId as string), `${m.machineId} rents as a product`)
  t.deepEqual([...new Set(machines.map((m) => m.machineType))].sort(), ['COMBINE', 'TRACTOR'])
})
