import type { GeoPoint } from '@oxagry/avro'

// Written here rather than shared with the simulator: the tracking service must not depend on a test
// tool, and nothing downstream (FerretDB has no geo operators) can do this for us.

const EARTH_RADIUS_M = 6_371_008.8
const RAD = Math.PI / 180

/** Great-circle distance in metres. */
export function haversineMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.latitude - a.latitude) * RAD
  const dLon = (b.longitude - a.longitude) * RAD
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

export interface BoundingBox {
  readonly minLat: number
  readonly maxLat: number
  readonly minLon: number
  readonly maxLon: number
}

export function boundingBox(ring: readonly GeoPoint[]): BoundingBox {
  let minLat = Infinity
  let maxLat = -Infinity
  let minLon = Infinity
  let maxLon = -Infinity
  for (const p of ring) {
    minLat = Math.min(minLat, p.latitude)
    maxLat = Math.max(maxLat, p.latitude)
    minLon = Math.min(minLon, p.longitude)
    maxLon = Math.max(maxLon, p.longitude)
  }
  return { minLat, maxLat, minLon, maxLon }
}

export function inBox(box: BoundingBox, p: GeoPoint): boolean {
  return (
    p.latitude >= box.minLat &&
    p.latitude <= box.maxLat &&
    p.longitude >= box.minLon &&
    p.longitude <= box.maxLon
  )
}

/**
 * Ray casting on longitude/latitude treated as a plane: exact enough for fields and yards (hundreds of
 * metres, far from the poles and the antimeridian). The ring closes implicitly; a point exactly on an
 * edge may fall either way.
 */
export function pointInPolygon(ring: readonly GeoPoint[], p: GeoPoint): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as GeoPoint
    const b = ring[j] as GeoPoint
    if (
      a.latitude > p.latitude !== b.latitude > p.latitude &&
      p.longitude <
        ((b.longitude - a.longitude) * (p.latitude - a.latitude)) / (b.latitude - a.latitude) + a.longitude
    ) {
      inside = !inside
    }
  }
  return inside
}
