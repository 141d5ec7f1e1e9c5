import { ApiOptionsError } from '@oxagry/api-http'

/** The base map under the live map's vector layers. */
export interface TileSource {
  /**
   * A raster tile URL template with `{z}`, `{x}` and `{y}` (and `{s}` for a subdomain, as the host's
   * leftmost label), https or http; `null` draws no base map, only the fields, yards and machines.
   */
  readonly urlTemplate: string | null
  /** The attribution the tile provider requires, shown in the map's corner (plain text). */
  readonly attribution: string
  /** The subdomains `{s}` takes. */
  readonly subdomains: readonly string[]
  /** The deepest zoom the provider serves. */
  readonly maxZoom: number
}

export interface MapOptions {
  readonly tiles: TileSource
}

/** OpenStreetMap's standard raster tiles: fine for development; heavy use needs a provider of one's own. */
export const DEFAULT_MAP_OPTIONS: MapOptions = {
  tiles: {
    urlTemplate: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    attribution: '© OpenStreetMap contributors',
    subdomains: ['a', 'b', 'c'],
    maxZoom: 19,
  },
}

const SUBDOMAIN = /^[a-z0-9-]{1,63}$/

/** The map options with their defaults, checked once: every problem named with its path. */
export function resolveMapOptions(given: { tiles?: Partial<TileSource> } = {}): MapOptions {
  const tiles = { ...DEFAULT_MAP_OPTIONS.tiles, ...given.tiles }
  const problems: string[] = []
  if (tiles.urlTemplate !== null) problems.push(...templateProblems(tiles.urlTemplate))
  if (typeof tiles.attribution !== 'string' || tiles.attribution.length > 500)
    problems.push('map.tiles.attribution must be a string of at most 500 characters')
  if (!Array.isArray(tiles.subdomains) || !tiles.subdomains.every((s) => SUBDOMAIN.test(s)))
    problems.push('map.tiles.subdomains must be host labels (a-z, 0-9, -)')
  if (!Number.isInteger(tiles.maxZoom) || tiles.maxZoom < 1 || tiles.maxZoom > 24)
    problems.push(`map.tiles.maxZoom must be an integer from 1 to 24, got ${String(tiles.maxZoom)}`)
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return { tiles: { ...tiles, subdomains: [...tiles.subdomains] } }
}

function templateProblems(template: unknown): string[] {
  if (typeof template !== 'string') return ['map.tiles.urlTemplate must be a string or null']
  const problems: string[] = []
  for (const placeholder of ['{z}', '{x}', '{y}'])
    if (!template.includes(placeholder)) problems.push(`map.tiles.urlTemplate must contain ${placeholder}`)
  const origin = tileOrigin(template)
  if (origin === undefined)
    problems.push(
      `map.tiles.urlTemplate must be an http(s) URL whose host has {s} only as its leftmost label, got ${template}`,
    )
  return problems
}

/**
 * The origin tiles load from, as a CSP source: `https://tile.example.org`, or `https://*.tile.example.org`
 * for a `{s}` subdomain template. Undefined when the template is no http(s) URL.
 */
export function tileOrigin(template: string): string | undefined {
  let url: URL
  try {
    // {s} is no valid host character; a placeholder label makes the template parse.
    url = new URL(template.replaceAll('{s}', 'subdomain-placeholder'))
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  // WHATWG URLs take braces and more in a host; a tile host is a DNS name, an IPv4 or an IPv6 address.
  if (!/^([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/.test(url.hostname)) return undefined
  const labels = url.hostname.split('.')
  const placeholders = labels.filter((l) => l === 'subdomain-placeholder').length
  if (placeholders > 1 || (placeholders === 1 && labels[0] !== 'subdomain-placeholder')) return undefined
  return url.origin.replace('subdomain-placeholder', '*')
}
