import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  COMMERCE_WORKER,
  type CommerceRole,
  type WorkerHealthLine,
  type WorkerSpec,
} from '@oxagry/main/commerce'
import { onPrivateTmpfs } from './disk.ts'
import type { PartHealth } from './health-watch.ts'

/** One life of a commerce worker: its process, and what it last said about itself. */
export interface WorkerLife {
  readonly role: CommerceRole
  readonly child: ChildProcess
  readonly startedAt: number
  /** When it said `RUNNING`; undefined before. */
  runningAt?: number
  /** Its exit, once it happened. */
  exit?: { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly at: number }
  last?: WorkerHealthLine
  /** Its state directory (the role's folder), on a tmpfs of its own when `privateDisk`. */
  readonly stateDir: string
  /** The last lines it wrote on stderr: why it died, if it did. */
  readonly stderr: string[]
}

/**
 * Starts a commerce worker (tools/main's, the crash test's) that reports its health every 250 ms; with
 * `privateDisk` its state directory is a tmpfs in a mount namespace of its own (see disk.ts).
 */
export function startWorker(spec: WorkerSpec, privateDisk: boolean): WorkerLife {
  const stateDir = join(spec.stateDir, spec.role)
  mkdirSync(stateDir, { recursive: true })
  const node: [string, string[]] = [
    process.execPath,
    [
      '--import',
      'tsx',
      COMMERCE_WORKER,
      JSON.stringify({ ...spec, reportHealthMs: 250 } satisfies WorkerSpec),
    ],
  ]
  const [command, args] = privateDisk ? onPrivateTmpfs(stateDir, ...node) : node
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const life: WorkerLife = { role: spec.role, child, startedAt: Date.now(), stateDir, stderr: [] }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('RUNNING ')) life.runningAt ??= Date.now()
    else if (line.startsWith('HEALTH '))
      life.last = JSON.parse(line.slice('HEALTH '.length)) as WorkerHealthLine
  })
  createInterface({ input: child.stderr! }).on('line', (line) => {
    life.stderr.push(line)
    if (life.stderr.length > 20) life.stderr.shift()
  })
  child.once('exit', (code, signal) => (life.exit = { code, signal, at: Date.now() }))
  return life
}

/** What a worker's health says, as a probe sees it: a dead process is not ready, nor one still starting. */
export function healthOf(life: WorkerLife): PartHealth {
  if (life.exit !== undefined)
    return { ready: false, state: `EXITED (${life.exit.signal ?? life.exit.code})` }
  if (life.last === undefined) return { ready: false, state: 'STARTING' }
  return { ready: life.last.ready, state: life.last.state }
}
