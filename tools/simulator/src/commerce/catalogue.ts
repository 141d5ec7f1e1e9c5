import {
  currencyCode,
  productId,
  warehouseId,
  type CurrencyCode,
  type Product,
  type ProductCategory,
  type WarehouseId,
} from '@oxagry/avro'

export const SIM_CURRENCY: CurrencyCode = currencyCode('EUR')

/** The marketplace's warehouses: each product is stocked in every one. */
export const WAREHOUSES: readonly WarehouseId[] = ['wh-north', 'wh-south', 'wh-east'].map(warehouseId)

interface Line {
  readonly id: string
  readonly name: string
  readonly category: ProductCategory
  readonly unit: string
  readonly price: number
  readonly threshold: number | null
}

const LINES: readonly Line[] = [
  {
    id: 'SEED-WHEAT-25KG',
    name: 'Winter wheat seed',
    category: 'SEED',
    unit: '25 kg bag',
    price: 3450,
    threshold: 40,
  },
  {
    id: 'SEED-BARLEY-25KG',
    name: 'Spring barley seed',
    category: 'SEED',
    unit: '25 kg bag',
    price: 3120,
    threshold: 40,
  },
  {
    id: 'SEED-RAPE-10KG',
    name: 'Oilseed rape seed',
    category: 'SEED',
    unit: '10 kg bag',
    price: 8900,
    threshold: 20,
  },
  {
    id: 'SEED-MAIZE-50K',
    name: 'Maize seed',
    category: 'SEED',
    unit: '50,000 kernels',
    price: 18500,
    threshold: 15,
  },
  {
    id: 'FERT-NPK-600KG',
    name: 'NPK 15-15-15',
    category: 'FERTILISER',
    unit: '600 kg big bag',
    price: 41900,
    threshold: 10,
  },
  {
    id: 'FERT-CAN-600KG',
    name: 'Calcium ammonium nitrate',
    category: 'FERTILISER',
    unit: '600 kg big bag',
    price: 36400,
    threshold: 10,
  },
  {
    id: 'FERT-UREA-1000L',
    name: 'Liquid urea',
    category: 'FERTILISER',
    unit: '1000 l IBC',
    price: 52000,
    threshold: 5,
  },
  {
    id: 'CP-HERB-5L',
    name: 'Herbicide',
    category: 'CROP_PROTECTION',
    unit: '5 l can',
    price: 12900,
    threshold: 25,
  },
  {
    id: 'CP-FUNG-5L',
    name: 'Fungicide',
    category: 'CROP_PROTECTION',
    unit: '5 l can',
    price: 15400,
    threshold: 25,
  },
  {
    id: 'PART-FILTER-OIL',
    name: 'Engine oil filter',
    category: 'SPARE_PART',
    unit: 'piece',
    price: 2890,
    threshold: 30,
  },
  {
    id: 'PART-BELT-V',
    name: 'Combine V-belt',
    category: 'SPARE_PART',
    unit: 'piece',
    price: 7450,
    threshold: 10,
  },
  {
    id: 'PART-TINE-SPRING',
    name: 'Cultivator spring tine',
    category: 'SPARE_PART',
    unit: 'piece',
    price: 1890,
    threshold: 50,
  },
  {
    id: 'RENT-TRACTOR-DAY',
    name: 'Tractor rental',
    category: 'MACHINERY_RENTAL',
    unit: 'day',
    price: 38000,
    threshold: null,
  },
  {
    id: 'RENT-COMBINE-DAY',
    name: 'Combine harvester rental',
    category: 'MACHINERY_RENTAL',
    unit: 'day',
    price: 95000,
    threshold: null,
  },
  {
    id: 'RENT-DRILL-DAY',
    name: 'Seed drill rental',
    category: 'MACHINERY_RENTAL',
    unit: 'day',
    price: 21000,
    threshold: null,
  },
]

/** The seeded catalogue every simulation starts from: fixed, so ids and prices never change between runs. */
export function simulatedCatalogue(): Product[] {
  return LINES.map((l) => ({
    productId: productId(l.id),
    name: l.name,
    category: l.category,
    unit: l.unit,
    unitPriceMinor: l.price,
    currency: SIM_CURRENCY,
    lowStockThreshold: l.threshold,
    active: true,
  }))
}
