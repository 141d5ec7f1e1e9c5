import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import test from 'ava'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md')
const run = promisify(execFile)

/** The shell blocks of the README's "Place an order" section, as a reader would paste them. */
function placeAnOrderBlocks(): string[] {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf('## Place an order')
  const end = text.indexOf('\n## ', start + 1)
  const section = text.slice(start, end === -1 ? undefined : end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
}

// The README's commands, run as written against `npm start` on embedded defaults (only the port is the
// test's own): a checkout is accepted, decided, readable with its payments and stock, and cancellable.
test("the README's 'Place an order' commands work against npm start on embedded defaults", async (t) => {
  t.timeout(180_000)
  const blocks = placeAnOrderBlocks()
  t.true(blocks.length >= 2, 'the section has its commands')
  const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-readme-'))
  const config = readConfig({
    PORT: '0',
    STATE_DIR: stateDir,
    SIM_MACHINES: '5',
    CLICKHOUSE_URL: 'chdb::memory:',
  })
  const platform = await startPlatform(config, pino({ level: 'silent' }))
  t.teardown(() => platform.close({ timeoutMs: 20_000 }))
  const origin = new URL(platform.urls.api).host
  const shell = async (block: string): Promise<string> => {
    // Each answer on a line of its own (curl prints a body without a newline); the commands otherwise as written.
    const commands = block.replaceAll('127.0.0.1:8080', origin).replaceAll('curl -s', "curl -w '\\n' -s")
    const script = `set -euo pipefail\n${commands}`
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 })
    return stdout
  }

  const placed = await shell(blocks[0] ?? '')
  t.regex(placed, /^HTTP\/1\.1 202/m, 'the checkout is accepted')
  const location = /^location: (\/api\/v1\/orders\/[0-9a-f-]{36})/im.exec(placed)?.[1]
  t.truthy(location, 'with the order’s location')

  const answers = (await shell(blocks[1] ?? '')).trim().split('\n')
  const order = JSON.parse(answers[0] ?? '{}') as { orderId?: string; state?: string }
  t.is(`/api/v1/orders/${order.orderId ?? ''}`, location ?? '', 'the same key gives the same order')
  t.is(order.state, 'CONFIRMED', 'decided within the wait')
  const payments = JSON.parse(answers[1] ?? '{}') as { payments?: { state: string }[] }
  t.true((payments.payments?.length ?? 0) > 0, 'its payment is readable')
  const stock = JSON.parse(answers[2] ?? '{}') as { stock?: { productId: string; reserved: number }[] }
  t.is(stock.stock?.[0]?.productId, 'SEED-WHEAT-25KG')
  const held = JSON.parse(answers[3] ?? '{}') as {
    reservations?: { orderId: string; productId: string; quantity: number; state: string }[]
  }
  t.deepEqual(
    held.reservations?.map((r) => [r.orderId, r.productId, r.quantity, r.state]),
    [[order.orderId, 'SEED-WHEAT-25KG', 2, 'RESERVED']],
    'its reservation is readable',
  )
  const list = JSON.parse(answers[4] ?? '{}') as { orders?: { orderId: string }[] }
  t.true(list.orders?.some((o) => o.orderId === order.orderId) === true, 'the customer’s orders list it')
  t.true(
    answers.some((line) => /^HTTP\/1\.1 202/.test(line)),
    'the cancellation is accepted',
  )

  // The customer was told: the confirmation reaches the notifications view a moment later.
  const told = await eventually(
    async () => {
      const page = JSON.parse((await shell(blocks[2] ?? '')).trim()) as {
        notifications?: { reference: string; template: string; channel: string }[]
      }
      const mine = page.notifications?.filter((n) => n.reference === `order:${order.orderId ?? ''}`) ?? []
      return mine.some((n) => n.template === 'ORDER_CONFIRMED') ? mine : undefined
    },
    { timeoutMs: 30_000, what: 'the order confirmation among the customer’s notifications' },
  )
  t.true(
    told.some((n) => n.channel === 'EMAIL'),
    'by e-mail, as the simulated preferences say',
  )
})
