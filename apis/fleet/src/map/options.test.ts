import test from 'ava'
import { ApiOptionsError } from '@oxagry/api-http'
import { DEFAULT_MAP_OPTIONS, resolveMapOptions, tileOrigin } from './options.ts'

test('the tile source defaults to OpenStreetMap and takes another template, or none', (t) => {
  t.deepEqual(resolveMapOptions(), DEFAULT_MAP_OPTIONS)
  t.like(
    resolveMapOptions({ tiles: { urlTemplate: 'https://t.example.com/{z}/{x}/{y}.png', maxZoom: 12 } }).tiles,
    {
      urlTemplate: 'https://t.example.com/{z}/{x}/{y}.png',
      maxZoom: 12,
      attribution: DEFAULT_MAP_OPTIONS.tiles.attribution,
    },
  )
  t.is(resolveMapOptions({ tiles: { urlTemplate: null } }).tiles.urlTemplate, null)
})

test('a bad tile source is refused with every problem named by its path', (t) => {
  const error = t.throws(
    () =>
      resolveMapOptions({
        tiles: {
          urlTemplate: 'https://a.{s}.example.com/{z}/{x}/{y}',
          attribution: 'x'.repeat(501),
          subdomains: ['A!'],
          maxZoom: 0,
        },
      }),
    { instanceOf: ApiOptionsError },
  )
  t.deepEqual(error?.problems, [
    'map.tiles.urlTemplate must be an http(s) URL whose host has {s} only as its leftmost label, got https://a.{s}.example.com/{z}/{x}/{y}',
    'map.tiles.attribution must be a string of at most 500 characters',
    'map.tiles.subdomains must be host labels (a-z, 0-9, -)',
    'map.tiles.maxZoom must be an integer from 1 to 24, got 0',
  ])
  t.is(error?.code, 'OXA_API_INVALID_OPTIONS')
})

test("a template's origin is the CSP source tiles load from; {s} becomes a wildcard label", (t) => {
  t.is(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png'), 'https://tile.openstreetmap.org')
  t.is(tileOrigin('http://127.0.0.1:8090/tiles/{z}/{x}/{y}.png'), 'http://127.0.0.1:8090')
  t.is(tileOrigin('https://{s}.tile.example.org/{z}/{x}/{y}.png'), 'https://*.tile.example.org')
  t.is(tileOrigin('https://tile.example.org/{s}/{z}/{x}/{y}.png'), 'https://tile.example.org')
  for (const bad of [
    'data:image/png;base64,{z}{x}{y}',
    'javascript:alert(1)',
    'https://user:secret@tiles.example.com/{z}/{x}/{y}',
    'https://{s}.{s}.example.com/{z}/{x}/{y}',
    '/tiles/{z}/{x}/{y}.png',
  ])
    t.is(tileOrigin(bad), undefined, bad)
})
