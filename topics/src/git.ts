import { execFileSync } from 'node:child_process'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

function tryGit(cwd: string, args: readonly string[]): string | undefined {
  try {
    return git(cwd, args)
  } catch {
    return undefined
  }
}

/** The repository a path is in. */
export function repoRoot(cwd: string): string {
  const root = tryGit(cwd, ['rev-parse', '--show-toplevel'])
  if (root === undefined)
    throw new TopicsError(TOPICS_ERROR_CODES.GIT_FAILED, `${cwd} is not in a git repository`)
  return root
}

export interface BaseRef {
  /** A commit id. */
  readonly commit: string
  /** How it was chosen, for the report. */
  readonly description: string
}

/**
 * The commit to compare schemas with: the given ref, else $SCHEMAS_BASE_REF, else the merge-base with
 * main (origin/main), or HEAD~1 when HEAD is on main already. Undefined when there is nothing before
 * HEAD (the first commit): every schema is then new.
 */
export function resolveBaseRef(
  root: string,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): BaseRef | undefined {
  const given = explicit ?? (env.SCHEMAS_BASE_REF === '' ? undefined : env.SCHEMAS_BASE_REF)
  if (given !== undefined) {
    const commit = tryGit(root, ['rev-parse', '--verify', '--quiet', `${given}^{commit}`])
    if (commit === undefined)
      throw new TopicsError(TOPICS_ERROR_CODES.GIT_FAILED, `base ref ${given} is not a commit`)
    return { commit, description: given }
  }
  const head = tryGit(root, ['rev-parse', 'HEAD'])
  if (head === undefined) return undefined
  for (const branch of ['main', 'origin/main']) {
    const base = tryGit(root, ['merge-base', 'HEAD', branch])
    if (base !== undefined && base !== head) return { commit: base, description: `merge-base with ${branch}` }
  }
  const parent = tryGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}'])
  return parent === undefined ? undefined : { commit: parent, description: 'HEAD~1' }
}

/** A file's content at a commit, or undefined when it did not exist there. */
export function showAt(root: string, commit: string, path: string): string | undefined {
  if (tryGit(root, ['cat-file', '-e', `${commit}:${path}`]) === undefined) return undefined
  return execFileSync('git', ['show', `${commit}:${path}`], { cwd: root, encoding: 'utf8' })
}
