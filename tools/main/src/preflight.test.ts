import { mkdtempSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { PLATFORM_PARTS } from './parts.ts'
import { pino } from 'pino'
import { banner, startFailure } from './banner.ts'
import { readConfig } from './config.ts'
import { MAIN_ERROR_CODES, MainError } from './errors.ts'
import type { DomainModule } from './module.ts'
import { startPlatform } from './platform.ts'

const silent = pino({ level: 'silent' })

/** A module that records whether anything started. */
function watched(): { module: DomainModule; started: () => boolean } {
  let started = false
  return {
    module: {
      name: 'watched',
      topics: [],
      start: async () => {
        started = true
        throw new Error('must not start')
      },
    },
    started: () => started,
  }
}

test('a port in use fails the start at once, naming the address, before any module starts', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())))
  const port = (taken.address() as AddressInfo).port
  const { module, started } = watched()
  const config = readConfig({ PORT: String(port), STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-port-')) })
  const begun = Date.now()
  const error = await t.throwsAsync(startPlatform(config, silent, [module]), { instanceOf: MainError })
  t.is(error.code, MAIN_ERROR_CODES.PORT_UNAVAILABLE)
  t.regex(error.message, new RegExp(`127\\.0\\.0\\.1:${port} is in use`))
  t.false(started())
  t.true(Date.now() - begun < 2000, `${Date.now() - begun} ms`)
  t.regex(
    startFailure(error),
    /^oxagry could not start \[OXA_MAIN_PORT_UNAVAILABLE\]: 127\.0\.0\.1:\d+ is in use/,
  )
})

test('an unreachable Kafka fails the start within seconds with a typed error, not a client stack', async (t) => {
  const { module, started } = watched()
  const config = readConfig({
    PORT: '0',
    KAFKA_BROKERS: '127.0.0.1:9',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-kafka-')),
  })
  const begun = Date.now()
  const error = await t.throwsAsync(startPlatform(config, silent, [module]), { instanceOf: MainError })
  const seconds = (Date.now() - begun) / 1000
  t.log(`failed after ${seconds.toFixed(1)} s`)
  t.is(error.code, MAIN_ERROR_CODES.KAFKA_UNREACHABLE)
  t.regex(error.message, /Kafka does not answer \(connecting to 127\.0\.0\.1:9 \(plaintext\): .*ECONNREFUSED/)
  t.false(started())
  t.true(seconds < 10)
})

test('the banner says where the API listens, and that 0.0.0.0 is every interface', (t) => {
  const urls = { api: 'a', docs: 'd', map: 'm', live: 'l', metrics: 'x' }
  const parts = PLATFORM_PARTS
  const all = banner({ listening: { host: '0.0.0.0', port: 8080 }, urls, services: {}, parts })
  t.regex(all, /REST +a\n/)
  t.regex(all, /listening 0\.0\.0\.0:8080 \(every interface: reachable from other machines\)/)
  const local = banner({
    listening: { host: '127.0.0.1', port: 8080 },
    urls,
    services: { kafka: 'embedded' },
    parts,
  })
  t.regex(local, /listening 127\.0\.0\.1:8080 \(this machine only\)/)
  t.regex(local, /kafka +embedded/)
  t.notRegex(local, /traces/)
  const traced = banner(
    { listening: { host: '127.0.0.1', port: 8080 }, urls, services: {}, parts },
    undefined,
    'http://c:4318/v1/traces',
  )
  t.regex(traced, /traces +OTLP to http:\/\/c:4318\/v1\/traces/)
  // A process without the API names its parts and serves health and metrics only.
  const orders = banner({
    listening: { host: '0.0.0.0', port: 8080 },
    urls: { ...urls, metrics: 'http://h:8080/metrics' },
    services: {},
    parts: ['orders'],
  })
  t.regex(orders, /^oxagry is running: orders\n/)
  t.regex(orders, /health +http:\/\/h:8080\/health\/ready/)
  t.notRegex(orders, /REST|live map/)
})
