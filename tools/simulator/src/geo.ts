import type { GeoPoint } from '@oxagry/avro'

/** Mean earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8

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

/** The point at a distance along a bearing (degrees clockwise from north), on the sphere. */
export function destination(from: GeoPoint, bearingDegrees: number, distanceM: number): GeoPoint {
  const d = distanceM / EARTH_RADIUS_M
  const b = bearingDegrees * RAD
  const lat1 = from.latitude * RAD
  const lon1 = from.longitude * RAD
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b))
  const lon2 =
    lon1 +
    Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2))
  return { latitude: lat2 / RAD, longitude: ((lon2 / RAD + 540) % 360) - 180 }
}

/** A point in metres east and north of an origin: the simulator moves machines on this plane. */
export interface LocalPoint {
  readonly x: number
  readonly y: number
}

/**
 * An equirectangular projection around an origin. Over the ~10 km of a simulated region its error
 * is centimetres, and it keeps the movement code in plain metres.
 */
export interface LocalProjection {
  readonly origin: GeoPoint
  toGeo(p: LocalPoint): GeoPoint
  toLocal(g: GeoPoint): LocalPoint
}

export function localProjection(origin: GeoPoint): LocalProjection {
  const mPerDegLat = EARTH_RADIUS_M * RAD
  const mPerDegLon = EARTH_RADIUS_M * RAD * Math.cos(origin.latitude * RAD)
  return {
    origin,
    toGeo: (p) => ({
      latitude: origin.latitude + p.y / mPerDegLat,
      longitude: origin.longitude + p.x / mPerDegLon,
    }),
    toLocal: (g) => ({
      x: (g.longitude - origin.longitude) * mPerDegLon,
      y: (g.latitude - origin.latitude) * mPerDegLat,
    }),
  }
}

export function distance(a: LocalPoint, b: LocalPoint): number {
  return Math.hypot(b.x - a.x, b.y - a.y)
}

/** Bearing on the plane, degrees clockwise from north (y). */
export function planeBearing(a: LocalPoint, b: LocalPoint): number {
  return (Math.atan2(b.x - a.x, b.y - a.y) / RAD + 360) % 360
}

/** Ray casting; the ring closes implicitly. Points on an edge may fall either way. */
export function containsLocal(ring: readonly LocalPoint[], p: LocalPoint): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as LocalPoint
    const b = ring[j] as LocalPoint
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside
  }
  return inside
}

/**
 * Where a north-south line at `x` crosses the ring: the lowest and highest crossing. For the
 * x-monotone fields the simulator draws, that is the stretch a pass can work.
 */
export function verticalExtent(ring: readonly LocalPoint[], x: number): [number, number] | undefined {
  let low = Infinity
  let high = -Infinity
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as LocalPoint
    const b = ring[j] as LocalPoint
    if (a.x > x === b.x > x) continue
    const y = a.y + ((x - a.x) * (b.y - a.y)) / (b.x - a.x)
    low = Math.min(low, y)
    high = Math.max(high, y)
  }
  return low <= high ? [low, high] : undefined
}
