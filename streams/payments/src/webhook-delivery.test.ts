import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import {
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookNotification,
} from '@oxagry/payment-webhooks'
import { pino } from 'pino'
import { PaymentsError } from './errors.ts'
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts'
import { WebhookDeliverer } from './webhook-deliverer.ts'

const SECRET = 'whsec_delivery_test_secret'
const dirs: string[] = []
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

// One clock the tests move: they run one at a time.
let clock = 1_764_540_000_000
const now = () => clock

async function provider(options: Partial<SimulatedProviderOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-delivery-'))
  dirs.push(dir)
  const ledgerPath = join(dir, 'ledger.jsonl')
  const open = (over: Partial<SimulatedProviderOptions> = {}) =>
    SimulatedProvider.open({
      ledgerPath,
      seed: 3,
      declineRate: 0.3,
      pendingRate: 0.5,
      pendingDelayMs: 1_000,
      now,
      ...options,
      ...over,
    })
  return { sim: await open(), open }
}

const auth = (n: number) => ({
  paymentId: nameUuid(`payment:delivery-${n}:1`),
  orderId: nameUuid(`order:delivery-${n}`),
  amountMinor: 5_000 + n,
  currency: 'EUR',
  customerId: 'farm-1',
})

test.serial(
  'pending is decided by the seed and the payment like a decline, answered the same when asked again, and its final outcome is recorded',
  async (t) => {
    const { sim, open } = await provider()
    const answers = []
    for (let n = 0; n < 40; n++) answers.push(await sim.authorise(auth(n)))
    const pending = answers.filter((a) => a.status === 'pending').length
    t.true(pending > 8 && pending < 32, `about half pending, got ${pending}`)
    for (let n = 0; n < 40; n++)
      t.deepEqual(await sim.authorise(auth(n)), answers[n], 'a repeated call answers the first answer')
    const due = sim.dueDeliveries(clock + 1_000)
    t.is(due.length, pending)
    t.is(sim.dueDeliveries(clock + 999).length, 0, 'decided pendingDelayMs after the pending answer')
    const other = await provider({ seed: 4 })
    const otherPending = []
    for (let n = 0; n < 40; n++) otherPending.push((await other.sim.authorise(auth(n))).status === 'pending')
    t.notDeepEqual(
      otherPending,
      answers.map((a) => a.status === 'pending'),
      'another seed leaves others pending',
    )
    // The ledger says what will come, and survives a restart.
    await sim.close()
    const again = await open()
    t.deepEqual(again.dueDeliveries(clock + 1_000), due)
    await again.close()
    await other.sim.close()
  },
)

test.serial(
  'a pending hold cannot be captured until its outcome is delivered and settled; then it can, once',
  async (t) => {
    const { sim } = await provider({ declineRate: 0, pendingRate: 1 })
    const request = auth(1)
    t.is((await sim.authorise(request)).status, 'pending')
    const early = await sim.capture({ ...request, paymentId: nameUuid('payment:delivery-x:1') })
    t.is(early.status, 'declined')
    t.like(await sim.capture({ ...auth(2) }), { status: 'declined' })
    const [delivery] = sim.dueDeliveries(clock + 1_000)
    t.like(delivery, { paymentId: request.paymentId, operation: 'authorise', final: { status: 'approved' } })
    await sim.settle(request.paymentId, 'authorise')
    await sim.settle(request.paymentId, 'authorise')
    t.deepEqual(sim.dueDeliveries(clock + 1_000), [])
    t.like(sim.ledger.balance(request.paymentId), { authorisedMinor: request.amountMinor })
    t.like(await sim.capture(request), { status: 'approved', amountMinor: request.amountMinor })
    await sim.close()
  },
)

test.serial(
  'the deliverer POSTs each due outcome signed with the shared secret, retries a refusal with back-off, and settles on 2xx',
  async (t) => {
    const { sim } = await provider({ declineRate: 0.5, pendingRate: 1 })
    for (let n = 0; n < 4; n++) await sim.authorise(auth(n))
    const received: WebhookNotification[] = []
    let refuse = 2
    const server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const body = Buffer.concat(chunks)
      try {
        verifyWebhookSignature({
          secrets: [SECRET],
          header: req.headers[WEBHOOK_SIGNATURE_HEADER] as string,
          body,
          nowMs: clock,
        })
      } catch {
        res.writeHead(401).end()
        return
      }
      if (refuse-- > 0) {
        res.writeHead(503).end()
        return
      }
      received.push(JSON.parse(body.toString()) as WebhookNotification)
      res.writeHead(202).end('{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    const deliverer = new WebhookDeliverer({
      provider: sim,
      url,
      secret: SECRET,
      retry: { baseMs: 100, maxMs: 400 },
      logger: pino({ level: 'silent' }),
      now,
    })
    try {
      await deliverer.deliverDue()
      t.is(received.length, 0, 'nothing is due before pendingDelayMs')
      clock += 1_000
      await deliverer.deliverDue()
      t.is(received.length, 2, 'two refused (503), two delivered')
      await deliverer.deliverDue()
      t.is(received.length, 2, 'the refused ones wait their back-off')
      clock += 100
      await deliverer.deliverDue()
      t.is(received.length, 4)
      t.deepEqual(sim.dueDeliveries(), [], 'every delivered outcome is settled')
      t.deepEqual(deliverer.counts, { delivered: 4, failed: 2 })
      const ids = new Set(received.map((r) => r.id))
      t.is(ids.size, 4)
      for (const r of received) {
        t.is(r.id, sim.notificationIdOf(r.paymentId, 'authorise'), 'a redelivery would carry the same id')
        if (r.outcome === 'declined') t.truthy(r.reason)
        else t.truthy(r.reference)
      }
    } finally {
      await deliverer.stop()
      server.close()
      await sim.close()
    }
  },
)

test.serial('bad deliverer and provider options are refused with every problem named', async (t) => {
  const { sim } = await provider()
  const error = t.throws(
    () => new WebhookDeliverer({ provider: sim, url: 'ftp://x', secret: 'short', intervalMs: 0 }),
  )
  t.true(error instanceof PaymentsError)
  t.regex(error!.message, /url must be http/)
  t.regex(error!.message, /secret must be at least 16/)
  t.regex(error!.message, /intervalMs/)
  const bad = await t.throwsAsync(
    SimulatedProvider.open({
      ledgerPath: '/tmp/x',
      pendingRate: 2,
      pendingOperations: ['steal' as 'void'],
      pendingDelayMs: -1,
    }),
  )
  t.regex(bad!.message, /pendingRate/)
  t.regex(bad!.message, /pendingOperations\/0/)
  t.regex(bad!.message, /pendingDelayMs/)
  await sim.close()
})

test.serial(
  'a void of a pending authorisation cancels it: the delivered outcome becomes a decline and no hold is left',
  async (t) => {
    const { sim } = await provider({ declineRate: 0, pendingRate: 1, pendingDelayMs: 60_000 })
    const request = auth(7)
    t.is((await sim.authorise(request)).status, 'pending')
    t.like(await sim.void(request), { status: 'approved', amountMinor: 0 })
    t.like(
      await sim.void(request),
      { status: 'approved', amountMinor: 0 },
      'answered the same when asked again',
    )
    const [delivery] = sim.dueDeliveries(clock)
    t.like(delivery, {
      paymentId: request.paymentId,
      operation: 'authorise',
      final: { status: 'declined', reason: 'OTHER', message: 'cancelled before the provider decided' },
    })
    await sim.settle(request.paymentId, 'authorise')
    t.like(await sim.capture(request), { status: 'declined' })
    t.like(sim.ledger.balance(request.paymentId), { authorisedMinor: 0, voidedMinor: 0 })
    await sim.close()
  },
)
