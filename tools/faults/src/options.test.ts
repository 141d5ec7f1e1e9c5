import test from 'ava'
import { FaultsError } from './errors.ts'
import { DEFAULT_PORT_BASE, parseArgs } from './options.ts'

test('no arguments: the short form of both halves on the default ports', (t) => {
  const options = parseArgs([])
  t.is(options.plan.mode, 'short')
  t.deepEqual(options.parts, ['tracking', 'commerce'])
  t.is(options.portBase, DEFAULT_PORT_BASE)
  t.is(options.reportFile, undefined)
})

test('--only runs one half; --full, --report and --port-base are read', (t) => {
  const options = parseArgs(['--full', '--only', 'commerce', '--report', 'r.md', '--port-base', '19500'])
  t.is(options.plan.mode, 'full')
  t.deepEqual(options.parts, ['commerce'])
  t.is(options.reportFile, 'r.md')
  t.is(options.portBase, 19_500)
})

test('a bad argument is a typed error naming it', (t) => {
  for (const [argv, named] of [
    [['--only', 'sinks'], /--only takes one of tracking, commerce/],
    [['--only'], /--only takes one of/],
    [['--port-base', '80'], /--port-base must be/],
    [['--report'], /--report needs a file/],
    [['--fast'], /unknown argument "--fast"/],
  ] as const) {
    const error = t.throws(() => parseArgs(argv), { instanceOf: FaultsError })
    t.regex(error?.message ?? '', named)
  }
})
