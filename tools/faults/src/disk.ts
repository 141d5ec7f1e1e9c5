import { spawnSync } from 'node:child_process'
import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import type { Skipped } from './result.ts'

/** The size of each worker's private state tmpfs: room for its stores, small enough to fill at once. */
export const STATE_TMPFS_MB = 64

/**
 * Whether a process can get a small tmpfs of its own for its state directory: root, and `unshare -m`
 * works (a private mount namespace, so the mount is seen by that process alone and goes with it).
 */
export function tmpfsSupport(): Skipped | undefined {
  if (process.getuid?.() !== 0)
    return {
      code: 'OXA_FAULTS_SKIP_NOT_ROOT',
      reason: 'mounting a tmpfs in a private mount namespace needs root; the suite runs as another user',
    }
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' })
  if (probe.error !== undefined || probe.status !== 0)
    return {
      code: 'OXA_FAULTS_SKIP_NO_UNSHARE',
      reason: `unshare -m failed (${probe.error?.message ?? `exit ${probe.status}`}): no private mount namespace here`,
    }
  return undefined
}

/**
 * The command that runs `command` with `dir` on a tmpfs of its own: a private mount namespace (the
 * mount is invisible to every other process), mounted, then exec'd, so the pid is the command's.
 */
export function onPrivateTmpfs(dir: string, command: string, args: readonly string[]): [string, string[]] {
  return [
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount -t tmpfs -o size=${STATE_TMPFS_MB}m oxagry-faults "$0" && exec "$@"`,
      dir,
      command,
      ...args,
    ],
  ]
}

/**
 * Fills a process's private tmpfs until it refuses (ENOSPC), through `/proc/<pid>/root`, which resolves
 * paths in that process's mount namespace. Resolves the bytes written and a function that frees them.
 */
export function fillDisk(pid: number, dir: string): { bytes: number; free: () => void } {
  const file = `/proc/${pid}/root${dir}/.faults-fill`
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(1024 * 1024, 0xab)
  let bytes = 0
  try {
    for (;;) {
      try {
        bytes += writeSync(fd, chunk)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break
        throw error
      }
    }
  } finally {
    closeSync(fd)
  }
  return { bytes, free: () => rmSync(file, { force: true }) }
}
