import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { servicesRequired } from '@oxagry/testkit'
import anyTest from 'ava'
import { chromium } from 'playwright-core'
import { buildApp } from './app.ts'
import { LatestPositions } from './live/latest-positions.ts'
import { InMemoryMachines, noHistory, position } from './testing.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts')
const available = existsSync(CHROMIUM)
const test = available || servicesRequired() ? anyTest : anyTest.skip
if (!available && !servicesRequired())
  process.emitWarning(`map browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`)

const field = {
  geofenceId: 'F-1',
  name: 'North 40',
  kind: 'FIELD',
  boundary: [
    { latitude: 41.9, longitude: -93.62 },
    { latitude: 41.9, longitude: -93.6 },
    { latitude: 41.91, longitude: -93.6 },
    { latitude: 41.91, longitude: -93.62 },
  ],
}

test(`the live map loads in headless Chromium, draws the machines and moves them${available ? '' : ` [skipped: no Chromium at ${CHROMIUM}]`}`, async (t) => {
  const feed = new LatestPositions()
  for (let m = 0; m < 5; m++)
    feed.publish(position(`MF-${m}`, { latitude: 41.901 + m * 0.001, longitude: -93.619 }))
  const { app } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: { list: async () => [field] },
    feed,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as AddressInfo
  let tick = 0
  const mover = setInterval(() => {
    tick++
    for (let m = 0; m < 5; m++) {
      feed.publish(
        position(`MF-${m}`, {
          eventTime: 1_700_000_000_000 + tick * 1000,
          latitude: 41.901 + m * 0.001,
          longitude: -93.619 + tick * 0.0002,
        }),
      )
    }
  }, 100)
  t.teardown(() => clearInterval(mover))

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 900, height: 600 } })
  const external: string[] = []
  page.on('request', (request) => {
    if (
      !request.url().startsWith(`http://127.0.0.1:${port}`) &&
      !request.url().startsWith(`ws://127.0.0.1:${port}`)
    )
      external.push(request.url())
  })
  await page.goto(`http://127.0.0.1:${port}/map`)
  await page.waitForFunction(() => document.body.dataset.machines === '5', undefined, { timeout: 15_000 })
  const first = await page.evaluate(
    () =>
      (
        window as unknown as { fleetMap: { machines: Map<string, { longitude: number }> } }
      ).fleetMap.machines.get('MF-0')?.longitude,
  )
  await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 20, undefined, {
    timeout: 15_000,
  })
  const later = await page.evaluate(
    () =>
      (
        window as unknown as { fleetMap: { machines: Map<string, { longitude: number }> } }
      ).fleetMap.machines.get('MF-0')?.longitude,
  )
  t.is(await page.textContent('#status'), 'live')
  t.true(later !== undefined && first !== undefined && later > first, `MF-0 moved east: ${first} -> ${later}`)
  // The machines are on the canvas: some pixels carry the "moving" colour.
  const blue = await page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement
    const data =
      canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray()
    let n = 0
    for (let i = 0; i < data.length; i += 4)
      if (data[i] === 0x15 && data[i + 1] === 0x65 && data[i + 2] === 0xc0) n++
    return n
  })
  t.true(blue > 0, 'machine dots are drawn')
  t.deepEqual(external, [], 'the page loads nothing from elsewhere')
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, 'live-map.png') })
})
