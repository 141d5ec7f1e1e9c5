import { spawnSync } from 'node:child_process'

export interface PromtoolRun {
  readonly ok: boolean
  readonly output: string
}

/**
 * Runs promtool (Debian's prometheus package; tools/stack/install-system.sh installs it). A missing
 * promtool is an error, never a skipped check.
 */
export function promtool(args: readonly string[], cwd: string): PromtoolRun {
  const run = spawnSync('promtool', [...args], { cwd, encoding: 'utf8' })
  if (run.error !== undefined)
    throw new Error(`promtool cannot run (${run.error.message}): run tools/stack/install-system.sh`)
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` }
}
