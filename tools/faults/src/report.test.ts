import test from 'ava'
import { renderReport, verdictOf } from './report.ts'
import type { FaultResult } from './result.ts'

const base: FaultResult = {
  name: 'PostgreSQL down under sink load',
  injected: 'PostgreSQL stopped for 6.0 s',
  injectedAt: Date.UTC(2026, 11, 1, 9),
  restoredAt: Date.UTC(2026, 11, 1, 9, 0, 6),
  deliveries: {
    topic: { in: 100, out: 100, lost: 0, duplicated: 0, unexpected: 0 },
    store: { in: 100, out: 100, lost: 0, duplicated: 4, unexpected: 0 },
  },
  duplicatesAllowed: ['store'],
  readyAfterMs: 1500,
  statesDuring: { sink: ['RUNNING', 'RETRYING (not ready)', 'RUNNING'] },
  lies: [],
  violations: [],
  notes: [],
}

test('duplicates where the store deduplicates pass; the report gives the figures and the health seen', (t) => {
  t.is(verdictOf(base), 'PASS')
  const md = renderReport({
    mode: 'short',
    startedAt: 0,
    durationMs: 90_000,
    stackStartMs: 30_000,
    faults: [base],
  })
  t.regex(md, /\| PostgreSQL down under sink load \| PASS \| 100 \| 0 \| 0 \| 1\.5 s \|/)
  t.regex(md, /\| store \| 100 \| 100 \| 0 \| 4 \| 0 \| yes/)
  t.regex(md, /- sink: RUNNING → RETRYING \(not ready\) → RUNNING/)
})

test('a loss, a duplicate where none is allowed, or a health lie fails the fault', (t) => {
  const lost = { in: 100, out: 99, lost: 1, duplicated: 0, unexpected: 0 }
  t.is(verdictOf({ ...base, deliveries: { topic: lost } }), 'FAIL')
  t.is(verdictOf({ ...base, duplicatesAllowed: [] }), 'FAIL')
  t.is(verdictOf({ ...base, lies: ['sink said ready throughout'] }), 'FAIL')
  const md = renderReport({
    mode: 'short',
    startedAt: 0,
    durationMs: 1,
    stackStartMs: 1,
    faults: [{ ...base, duplicatesAllowed: [] }],
  })
  t.regex(md, /- store: 4 duplicates/)
})

test('a skipped fault says why, and is no pass', (t) => {
  const skipped: FaultResult = {
    ...base,
    name: 'disk full on the state directory',
    skipped: { code: 'OXA_FAULTS_SKIP_NOT_ROOT', reason: 'needs root' },
  }
  t.is(verdictOf(skipped), 'SKIPPED')
  t.regex(
    renderReport({ mode: 'full', startedAt: 0, durationMs: 1, stackStartMs: 1, faults: [skipped] }),
    /Skipped \(OXA_FAULTS_SKIP_NOT_ROOT\): needs root/,
  )
})
