import test from 'ava'
import { intFlag, intListFlag, listFlag, parseFlags, stringFlag, takeSwitches } from './args.ts'

test('flags are --name value pairs', (t) => {
  const flags = parseFlags(['--records', '50000', '--systems', 'kafka-streams'])
  t.is(flags.get('records'), '50000')
  t.is(flags.get('systems'), 'kafka-streams')
  t.throws(() => parseFlags(['records', '1']), { message: 'expected --name value, got records' })
  t.throws(() => parseFlags(['--records']), { message: '--records needs a value' })
  t.throws(() => parseFlags(['--records', '--out']), { message: '--records needs a value' })
})

test('integer flags take underscores and exponents, and name the flag when wrong', (t) => {
  t.is(intFlag(parseFlags(['--records', '200_000']), 'records', 1), 200_000)
  t.is(intFlag(parseFlags(['--records', '1e6']), 'records', 1), 1_000_000)
  t.is(intFlag(parseFlags([]), 'records', 7), 7)
  t.is(intFlag(parseFlags(['--memory-keys', '0']), 'memory-keys', 1, 0), 0)
  t.throws(() => intFlag(parseFlags(['--records', '1.5']), 'records', 1), {
    message: '--records must be an integer >= 1, got 1.5',
  })
  t.throws(() => intFlag(parseFlags(['--records', '0']), 'records', 1), { message: /--records must be/ })
})

test('list flags default to every allowed item and refuse unknown ones', (t) => {
  const allowed = ['stateless', 'windowed'] as const
  t.deepEqual(listFlag(parseFlags([]), 'scenarios', allowed), ['stateless', 'windowed'])
  t.deepEqual(listFlag(parseFlags(['--scenarios', 'windowed']), 'scenarios', allowed), ['windowed'])
  t.throws(() => listFlag(parseFlags(['--scenarios', 'joins']), 'scenarios', allowed), {
    message: '--scenarios: joins is not one of stateless, windowed',
  })
})

test('a required string flag without default fails naming it', (t) => {
  t.is(stringFlag(parseFlags([]), 'out', '/tmp'), '/tmp')
  t.throws(() => stringFlag(parseFlags([]), 'input'), { message: '--input is required' })
})

test('integer list flags read each item as an integer flag', (t) => {
  t.deepEqual(intListFlag(parseFlags(['--rates', '1000,5_000, 2e4']), 'rates', []), [1000, 5000, 20_000])
  t.deepEqual(intListFlag(parseFlags([]), 'rates', [1, 2]), [1, 2])
  t.throws(() => intListFlag(parseFlags(['--rates', '1000,x']), 'rates', []), {
    message: '--rates must be an integer >= 1, got x',
  })
})

test('switches are taken out of argv and the rest still parses as pairs', (t) => {
  const { switches, rest } = takeSwitches(['--quick', '--runs', '1'], ['quick'])
  t.deepEqual([...switches], ['quick'])
  t.deepEqual(rest, ['--runs', '1'])
  t.is(parseFlags(rest).get('runs'), '1')
  t.throws(() => parseFlags(takeSwitches(['--verbose'], ['quick']).rest), {
    message: '--verbose needs a value',
  })
})
