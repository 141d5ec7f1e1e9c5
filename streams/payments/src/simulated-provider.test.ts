import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { PaymentLedger } from './ledger.ts'
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts'

const dirs: string[] = []
function ledgerPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-ledger-'))
  dirs.push(dir)
  return join(dir, 'nested', 'ledger.jsonl')
}
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const payment = (n: number) => nameUuid(`payment:order-${n}:1`)
const auth = (n: number, amountMinor = 10_000) => ({
  paymentId: payment(n),
  orderId: nameUuid(`order-${n}`),
  amountMinor,
  currency: 'EUR',
  customerId: 'farm-1',
})

async function provider(options: Partial<SimulatedProviderOptions> = {}) {
  return SimulatedProvider.open({
    ledgerPath: ledgerPath(),
    seed: 7,
    declineRate: 0.3,
    now: () => 1_000,
    ...options,
  })
}

test('deterministic: the same seed declines the same payments, in any call order; another seed others', async (t) => {
  const a = await provider()
  const b = await provider()
  const c = await provider({ seed: 8 })
  const ids = Array.from({ length: 60 }, (_, i) => i)
  const outcomesA = await Promise.all(ids.map((i) => a.authorise(auth(i))))
  const outcomesB: string[] = []
  for (const i of [...ids].reverse()) outcomesB.unshift(JSON.stringify(await b.authorise(auth(i))))
  const outcomesC = await Promise.all(ids.map((i) => c.authorise(auth(i))))
  t.deepEqual(
    outcomesA.map((o) => JSON.stringify(o)),
    outcomesB,
  )
  const declined = outcomesA.filter((o) => o.status === 'declined').length
  t.true(declined > 5 && declined < 35, `about 30% declined, got ${declined} of 60`)
  t.notDeepEqual(
    outcomesA.map((o) => o.status),
    outcomesC.map((o) => o.status),
  )
  for (const o of outcomesA)
    if (o.status === 'declined') t.true(['DECLINED', 'INSUFFICIENT_FUNDS'].includes(o.reason))
  await Promise.all([a.close(), b.close(), c.close()])
})

test('idempotent per payment and operation: a repeated call returns the recorded outcome and charges once', async (t) => {
  let now = 1_000
  const p = await provider({ declineRate: 0, now: () => now })
  const first = await p.authorise(auth(1))
  now = 2_000
  const [again, concurrent] = await Promise.all([p.authorise(auth(1)), p.authorise(auth(1, 99))])
  t.deepEqual(again, first)
  t.deepEqual(concurrent, first)
  t.is(first.status, 'approved')
  const capture = await p.capture(auth(1, 6_000))
  t.deepEqual(await p.capture(auth(1, 6_000)), capture)
  t.deepEqual(p.ledger.balance(payment(1)), {
    currency: 'EUR',
    authorisedMinor: 10_000,
    capturedMinor: 6_000,
    voidedMinor: 0,
    refundedMinor: 0,
  })
  t.is(readFileSync(p.ledger.path, 'utf8').trim().split('\n').length, 2, 'one ledger line per answered call')
  await p.close()
})

test('the ledger enforces the payment life: capture needs a hold, void a hold not captured, refund a capture', async (t) => {
  const p = await provider({ declineRate: 0 })
  const noHold = await p.capture(auth(2))
  t.like(noHold, { status: 'declined', reason: 'OTHER' })
  await p.authorise(auth(3))
  t.like(await p.capture({ ...auth(3, 20_000) }), { status: 'declined' })
  await p.authorise(auth(4))
  t.like(await p.void(auth(4)), { status: 'approved', amountMinor: 10_000 })
  t.like(await p.capture(auth(4)), { status: 'declined' }, 'a voided hold cannot be captured')
  await p.authorise(auth(5))
  t.like(await p.capture(auth(5)), { status: 'approved' })
  t.like(await p.void(auth(5)), { status: 'declined' })
  t.like(await p.refund({ ...auth(5, 4_000), reason: 'damaged bags' }), {
    status: 'approved',
    amountMinor: 4_000,
  })
  t.like(p.ledger.balance(payment(5)), { capturedMinor: 10_000, refundedMinor: 4_000 })
  await p.close()
})

test('an authorisation expires: capture after its time-to-live is declined EXPIRED', async (t) => {
  let now = 1_000
  const p = await provider({ declineRate: 0, authorisationTtlMs: 500, now: () => now })
  await p.authorise(auth(6))
  now = 1_501
  t.like(await p.capture(auth(6)), { status: 'declined', reason: 'EXPIRED' })
  await p.close()
})

test('the ledger survives reopening (a crash): outcomes and balances come back; a torn last line is dropped', async (t) => {
  const path = ledgerPath()
  const p = await SimulatedProvider.open({ ledgerPath: path, declineRate: 0, now: () => 5 })
  const authorised = await p.authorise(auth(7))
  await p.capture(auth(7))
  await p.close()
  // A crash in the middle of a write: half a line, never answered.
  appendFileSync(path, '{"paymentId":"x","operation":"cap')
  const reopened = await SimulatedProvider.open({ ledgerPath: path, declineRate: 1, now: () => 99 })
  t.deepEqual(await reopened.authorise(auth(7)), authorised, 'answered from the ledger, not decided again')
  t.like(reopened.ledger.balance(payment(7)), { authorisedMinor: 10_000, capturedMinor: 10_000 })
  t.like(
    await reopened.authorise(auth(8)),
    { status: 'declined' },
    'a new payment is decided by the new settings',
  )
  await reopened.close()
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
  t.is(lines.filter((l) => l.startsWith('{"paymentId":"x"')).length, 0, 'the torn line was cut off')
  t.is(lines.length, 3)
  const third = await PaymentLedger.open(path)
  t.is(third.all().size, 1, 'the next entry is on a line of its own')
  t.like(third.outcome(payment(8), 'authorise'), { outcome: { status: 'declined' } })
  await third.close()
})

test('a bad line in the middle of the ledger is an error naming it, not silently skipped', async (t) => {
  const path = ledgerPath()
  const p = await PaymentLedger.open(path)
  await p.close()
  writeFileSync(path, 'not json\n{"also":"bad"}\n')
  const error = await t.throwsAsync(() => PaymentLedger.open(path), { instanceOf: PaymentsError })
  t.is(error?.code, PAYMENTS_ERROR_CODES.LEDGER)
  t.regex(error?.message ?? '', /line 1 of .*ledger\.jsonl is not JSON/)
})

test('an outage window answers unavailable and records nothing; after it, the call goes through', async (t) => {
  let now = 1_000
  const p = await provider({ declineRate: 0, outages: [{ fromMs: 1_000, toMs: 2_000 }], now: () => now })
  const down = await p.authorise(auth(9))
  t.like(down, { status: 'unavailable' })
  t.regex(down.status === 'unavailable' ? down.message : '', /outage until/)
  t.is(p.ledger.outcome(payment(9), 'authorise'), undefined)
  now = 2_000
  t.like(await p.authorise(auth(9)), { status: 'approved', at: 2_000 })
  t.is(p.calls.authorise, 2)
  await p.close()
})

test('latency: each call takes the configured time', async (t) => {
  const p = await provider({ latencyMs: 40 })
  const started = performance.now()
  await p.authorise(auth(10))
  t.true(performance.now() - started >= 35)
  await p.close()
})

test('bad settings are refused with every problem named', async (t) => {
  const error = await t.throwsAsync(
    () => SimulatedProvider.open({ ledgerPath: '', declineRate: 2, outages: [{ fromMs: 5, toMs: 1 }] }),
    { instanceOf: PaymentsError },
  )
  t.is(error?.code, PAYMENTS_ERROR_CODES.INVALID_OPTIONS)
  t.regex(error?.message ?? '', /ledgerPath[\s\S]*declineRate[\s\S]*outages\/0/)
})
