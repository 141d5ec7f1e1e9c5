import test from 'ava'
import { hopTimes } from './hops.ts'

test('each hop is measured between its two append times; the decision from the latest answer', (t) => {
  const orders = new Map([
    [
      'a',
      {
        placed: 0,
        reserveCommand: 10,
        inventoryAnswer: 30,
        authoriseCommand: 12,
        authorised: 50,
        paymentAnswer: 60,
        fraudAnswer: 40,
        decision: 75,
      },
    ],
    ['b', { placed: 0, reserveCommand: 20 }],
  ])
  const hops = Object.fromEntries(hopTimes(orders).map((h) => [h.hop, h]))
  t.is(hops['placed → reserve commands']?.count, 2)
  t.is(hops['placed → reserve commands']?.p99Ms, 20)
  t.is(hops['authorise → provider outcome']?.p50Ms, 38)
  t.is(hops['last answer → decision']?.p50Ms, 15, 'from the payment answer at 60, the latest')
  t.is(hops['reserve → inventory answer']?.count, 1)
})
