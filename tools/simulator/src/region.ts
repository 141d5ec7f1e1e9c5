import type { Geofence, GeofenceId, GeoPoint } from '@oxagry/avro'
import { localProjection, type LocalPoint, type LocalProjection } from './geo.ts'

/** A US public-land-survey section: one mile square, bounded by section-line roads. */
export const SECTION_M = 1609.344

/** Ditch and verge between a road and the crop, metres. */
const ROAD_SETBACK_M = 20
/** Side of a farmstead yard, metres. */
const YARD_M = 150
/** Grass between a yard and the field around it, metres. */
const YARD_MARGIN_M = 20

/** Story County, Iowa: corn and soybeans on a one-mile road grid, which makes plausible paths easy. */
export const DEFAULT_ORIGIN: GeoPoint = { latitude: 41.98, longitude: -93.66 }

export interface Area {
  readonly geofenceId: GeofenceId
  readonly name: string
  readonly kind: 'FIELD' | 'YARD'
  /** Counter-clockwise ring on the local plane, not closed. */
  readonly ring: readonly LocalPoint[]
  /** Field passes run north-south between these eastings. */
  readonly minX: number
  readonly maxX: number
  readonly minY: number
  readonly maxY: number
}

export interface Region {
  readonly projection: LocalProjection
  readonly sectionsEast: number
  readonly sectionsNorth: number
  readonly fields: readonly Area[]
  readonly yards: readonly Area[]
}

export interface RegionOptions {
  readonly origin?: GeoPoint
  readonly sectionsEast?: number
  readonly sectionsNorth?: number
}

function area(geofenceId: string, name: string, kind: Area['kind'], ring: LocalPoint[]): Area {
  const xs = ring.map((p) => p.x)
  const ys = ring.map((p) => p.y)
  return {
    geofenceId: geofenceId as GeofenceId,
    name,
    kind,
    ring,
    minX: Math.min(...xs),
    maxX: Math.max(...xs),
    minY: Math.min(...ys),
    maxY: Math.max(...ys),
  }
}

const pad = (n: number): string => String(n).padStart(2, '0')

/**
 * A grid of sections, each split into four quarter-section fields; every other section has a
 * farmstead yard in its south-west corner, so that quarter's field is L-shaped (a non-convex polygon
 * the point-in-polygon code downstream has to get right).
 */
export function buildRegion(options: RegionOptions = {}): Region {
  const sectionsEast = options.sectionsEast ?? 6
  const sectionsNorth = options.sectionsNorth ?? 4
  const projection = localProjection(options.origin ?? DEFAULT_ORIGIN)
  const fields: Area[] = []
  const yards: Area[] = []
  const half = SECTION_M / 2
  for (let col = 0; col < sectionsEast; col++) {
    for (let row = 0; row < sectionsNorth; row++) {
      const sx = col * SECTION_M
      const sy = row * SECTION_M
      const farmstead = (col + row) % 2 === 0
      if (farmstead) {
        const a = ROAD_SETBACK_M
        const b = ROAD_SETBACK_M + YARD_M
        yards.push(
          area(`gf-yard-${pad(col)}-${pad(row)}`, `Farmstead ${col}-${row}`, 'YARD', [
            { x: sx + a, y: sy + a },
            { x: sx + b, y: sy + a },
            { x: sx + b, y: sy + b },
            { x: sx + a, y: sy + b },
          ]),
        )
      }
      for (const [q, qx, qy] of [
        ['sw', 0, 0],
        ['se', 1, 0],
        ['nw', 0, 1],
        ['ne', 1, 1],
      ] as const) {
        // Setback from the section-line roads only; the quarter line inside a section is no road.
        const x0 = sx + qx * half + (qx === 0 ? ROAD_SETBACK_M : 2)
        const x1 = sx + (qx + 1) * half - (qx === 1 ? ROAD_SETBACK_M : 2)
        const y0 = sy + qy * half + (qy === 0 ? ROAD_SETBACK_M : 2)
        const y1 = sy + (qy + 1) * half - (qy === 1 ? ROAD_SETBACK_M : 2)
        const notch = farmstead && q === 'sw' ? YARD_M + YARD_MARGIN_M : 0
        const ring: LocalPoint[] =
          notch === 0
            ? [
                { x: x0, y: y0 },
                { x: x1, y: y0 },
                { x: x1, y: y1 },
                { x: x0, y: y1 },
              ]
            : [
                { x: x0 + notch, y: y0 },
                { x: x1, y: y0 },
                { x: x1, y: y1 },
                { x: x0, y: y1 },
                { x: x0, y: y0 + notch },
                { x: x0 + notch, y: y0 + notch },
              ]
        fields.push(
          area(
            `gf-field-${pad(col)}-${pad(row)}-${q}`,
            `Field ${col}-${row} ${q.toUpperCase()}`,
            'FIELD',
            ring,
          ),
        )
      }
    }
  }
  return { projection, sectionsEast, sectionsNorth, fields, yards }
}

/** The region's fields and yards as geofence records, in a stable order. */
export function regionGeofences(region: Region, updatedAt: number): Geofence[] {
  return [...region.yards, ...region.fields].map((a) => ({
    geofenceId: a.geofenceId,
    name: a.name,
    kind: a.kind,
    boundary: a.ring.map((p) => region.projection.toGeo(p)),
    active: true,
    updatedAt,
  }))
}

/** The nearest east-west road (a section line) to a northing. */
export function nearestRoadY(region: Region, y: number): number {
  const i = Math.min(region.sectionsNorth, Math.max(0, Math.round(y / SECTION_M)))
  return i * SECTION_M
}

/** The nearest north-south road to an easting. */
export function nearestRoadX(region: Region, x: number): number {
  const i = Math.min(region.sectionsEast, Math.max(0, Math.round(x / SECTION_M)))
  return i * SECTION_M
}

/**
 * A plausible route: out to the nearest east-west road, along it to the north-south road nearest the
 * target, along that, then straight in. Machines keep to the section-line grid like real traffic.
 */
export function roadRoute(region: Region, from: LocalPoint, to: LocalPoint): LocalPoint[] {
  const ry = nearestRoadY(region, from.y)
  const rx = nearestRoadX(region, to.x)
  const route: LocalPoint[] = [{ x: from.x, y: ry }, { x: rx, y: ry }, { x: rx, y: to.y }, to]
  // Drop zero-length legs so headings stay meaningful.
  const out: LocalPoint[] = []
  let last = from
  for (const p of route) {
    if (Math.hypot(p.x - last.x, p.y - last.y) > 0.5) out.push(p)
    last = p
  }
  return out
}
