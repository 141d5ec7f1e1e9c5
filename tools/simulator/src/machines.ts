import { productId, type Machine, type MachineType } from '@oxagry/avro'
import { WAREHOUSES } from './commerce/catalogue.ts'
import { machineIdOf, MODELS } from './fleet.ts'

/** What each simulated model is, and the catalogue product a day of it is rented as. */
export const MODEL_KINDS: Readonly<Record<(typeof MODELS)[number], { type: MachineType; rental: string }>> = {
  'JD-8R': { type: 'TRACTOR', rental: 'RENT-TRACTOR-DAY' },
  'CASE-MX': { type: 'TRACTOR', rental: 'RENT-TRACTOR-DAY' },
  'NH-T7': { type: 'TRACTOR', rental: 'RENT-TRACTOR-DAY' },
  'FENDT-942': { type: 'TRACTOR', rental: 'RENT-TRACTOR-DAY' },
  'CLAAS-LEX': { type: 'COMBINE', rental: 'RENT-COMBINE-DAY' },
  'JD-S790': { type: 'COMBINE', rental: 'RENT-COMBINE-DAY' },
}

/**
 * The fleet registry of the simulated fleet (`fleet.machines.v1`): the same ids the pings carry, every
 * machine for rent at the day rate of its type, from the depots in turn.
 */
export function simulatedMachines(count: number, updatedAt: number): Machine[] {
  return Array.from({ length: count }, (_, i) => {
    const model = MODELS[i % MODELS.length] as (typeof MODELS)[number]
    return {
      machineId: machineIdOf(i),
      machineType: MODEL_KINDS[model].type,
      model,
      rentalProductId: productId(MODEL_KINDS[model].rental),
      depotWarehouseId: WAREHOUSES[i % WAREHOUSES.length] ?? null,
      active: true,
      updatedAt,
    }
  })
}
