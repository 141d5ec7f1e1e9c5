import test from 'ava'
import { VerifiedTokens } from './verified-tokens.ts'

test('an entry lasts until its token expires or its time to live ends, whichever is first', (t) => {
  let now = 1_000
  const tokens = new VerifiedTokens<string>(10, 60_000, () => now)
  tokens.set('short', 'a', 5_000)
  tokens.set('long', 'b', 1_000_000)
  t.is(tokens.get('short'), 'a')
  now = 5_000
  t.is(tokens.get('short'), undefined, 'expired with its token')
  t.is(tokens.get('long'), 'b')
  now = 61_000
  t.is(tokens.get('long'), undefined, 'gone after the time to live, though the token is still valid')
  t.is(tokens.size, 0)
})

test('the least recently used entry goes when the cache is full; a size of 0 keeps nothing', (t) => {
  const tokens = new VerifiedTokens<number>(2, 60_000, () => 0)
  tokens.set('a', 1, 10_000)
  tokens.set('b', 2, 10_000)
  t.is(tokens.get('a'), 1) // a is now more recent than b
  tokens.set('c', 3, 10_000)
  t.is(tokens.get('b'), undefined)
  t.is(tokens.get('a'), 1)
  t.is(tokens.get('c'), 3)
  const none = new VerifiedTokens<number>(0, 60_000, () => 0)
  none.set('a', 1, 10_000)
  t.is(none.get('a'), undefined)
})
