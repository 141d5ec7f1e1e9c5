import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

function counter(metrics: string, name: string, labels: RegExp): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && labels.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)
}

// npm start on embedded defaults with every authorisation pending: the market's orders are decided only
// if the simulated provider's outcomes come back through the API's webhook with the development secret.
test('npm start on embedded defaults: pending authorisations come back through the webhook and orders are confirmed', async (t) => {
  t.timeout(180_000)
  const config = readConfig({
    PORT: '0',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-pending-')),
    SIM_MACHINES: '1',
    SIM_ORDER_RATE: '2',
    SIM_PAYMENT_PENDING_RATE: '1',
    CLICKHOUSE_URL: 'chdb::memory:',
  })
  t.true(config.payments.developmentSecret)
  const platform = await startPlatform(config, pino({ level: 'silent' }))
  t.teardown(() => platform.close({ timeoutMs: 20_000 }))
  const metricsUrl = platform.urls.metrics
  const seen = await eventually(
    async () => {
      const metrics = await (await fetch(metricsUrl)).text()
      const pending = counter(metrics, 'oxagry_payment_gateway_commands_total', /result="pending"/)
      const confirmed = counter(metrics, 'oxagry_orders_decided_total', /outcome="CONFIRMED"/)
      return pending > 0 && confirmed > 0 ? { pending, confirmed, metrics } : undefined
    },
    {
      timeoutMs: 120_000,
      what: 'an order confirmed after a pending authorisation',
      state: () => platform.health(),
    },
  )
  t.true(seen.pending >= seen.confirmed, `${seen.pending} pending, ${seen.confirmed} confirmed`)
  t.regex(platform.services.paymentProvider ?? '', /100% of authorisations pending/)
})
