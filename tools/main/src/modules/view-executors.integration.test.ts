import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { openViewExecutors } from './view-executors.ts'

const test = await integrationTest('postgres')

test('reads that hold every connection of theirs do not hold back a write of the views', async (t) => {
  const executors = openViewExecutors({
    postgresUrl: serviceUrl('postgres'),
    stateDir: mkdtempSync(join(tmpdir(), 'view-executors-')),
  })
  t.teardown(() => executors.close())
  await executors.writes.query('SELECT 1')
  // More slow reads than a pool has connections, as waiting GETs reading again pile up.
  const reads = Array.from({ length: 8 }, () => executors.reads.query('SELECT pg_sleep(1.5)'))
  await new Promise((resolve) => setTimeout(resolve, 100))
  const started = performance.now()
  await executors.writes.query('SELECT 1')
  const waited = performance.now() - started
  await Promise.all(reads)
  t.true(waited < 1000, `the write waited ${Math.round(waited)} ms behind the reads`)
})
