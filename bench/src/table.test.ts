import test from 'ava'
import { formatTable } from './table.ts'

test('columns are as wide as their widest cell; numbers right-aligned, text left', (t) => {
  const out = formatTable(
    [{ header: 'system' }, { header: 'records/s' }],
    [
      ['kafka-streams', 41_000],
      ['ox', 9],
    ],
  )
  t.is(
    out,
    [
      'system         records/s',
      '-------------  ---------',
      'kafka-streams      41000',
      'ox                     9',
    ].join('\n'),
  )
})

test('missing figures print as a dash, fractions with one decimal', (t) => {
  const out = formatTable(
    [{ header: 'a' }, { header: 'b' }, { header: 'c', align: 'left' }],
    [[null, 1.25, undefined]],
  )
  t.deepEqual(out.split('\n')[2], '-  1.3  -')
})

test('every line of a table has no trailing spaces', (t) => {
  const out = formatTable(
    [{ header: 'name' }, { header: 'note' }],
    [
      ['a', ''],
      ['bb', 'x'],
    ],
  )
  t.true(out.split('\n').every((line) => line === line.trimEnd()))
})

test('an explicit alignment wins over the cell type', (t) => {
  const out = formatTable([{ header: 'right', align: 'right' }], [['x']])
  t.is(out.split('\n')[2], '    x')
})
