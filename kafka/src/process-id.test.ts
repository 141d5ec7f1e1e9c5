import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { claimProcessId, PROCESS_FILE } from './process-id.ts'

const silent = pino({ level: 'silent' })
const dir = (): string => mkdtempSync(join(tmpdir(), 'process-id-'))
const saved = (d: string): { processId: string; pid: number } =>
  JSON.parse(readFileSync(join(d, PROCESS_FILE), 'utf8')) as { processId: string; pid: number }

test('a restart in the same state directory keeps the process id; the file names this process', (t) => {
  const d = dir()
  const first = claimProcessId(d, silent)
  t.regex(first, /^[0-9a-f-]{36}$/)
  t.is(claimProcessId(d, silent), first)
  t.deepEqual(saved(d), { processId: first, pid: process.pid })
})

test('an id left by a process that is gone is taken over', (t) => {
  const d = dir()
  const id = '11111111-2222-4333-8444-555555555555'
  // Far above any pid this machine hands out (pid_max is at most 2^22).
  writeFileSync(join(d, PROCESS_FILE), JSON.stringify({ processId: id, pid: 2 ** 22 + 7 }))
  t.is(claimProcessId(d, silent), id)
  t.is(saved(d).pid, process.pid)
})

test('a directory another live process holds gets a fresh id, and the holder keeps its file', (t) => {
  const d = dir()
  const id = '11111111-2222-4333-8444-555555555555'
  // The parent process (the test runner) is alive and is not this process.
  writeFileSync(join(d, PROCESS_FILE), JSON.stringify({ processId: id, pid: process.ppid }))
  const mine = claimProcessId(d, silent)
  t.not(mine, id)
  t.deepEqual(saved(d), { processId: id, pid: process.ppid })
})

test('a torn file is replaced by a new id', (t) => {
  const d = dir()
  writeFileSync(join(d, PROCESS_FILE), '{"processId": "11111111-22')
  const id = claimProcessId(d, silent)
  t.regex(id, /^[0-9a-f-]{36}$/)
  t.is(saved(d).processId, id)
})
