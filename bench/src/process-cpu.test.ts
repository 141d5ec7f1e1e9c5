import test from 'ava'
import { cpuMsOfStat, processCpuMs } from './process-cpu.ts'

test('CPU time is utime + stime in clock ticks, read after the last parenthesis of the command', (t) => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0'
  t.is(cpuMsOfStat(stat), 3000)
})

test('this process has used some CPU, and a process that does not exist has none to report', (t) => {
  t.true((processCpuMs(process.pid) ?? 0) > 0)
  t.is(processCpuMs(2 ** 22 + 1), undefined)
})
