import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { cached, digestFiles } from '../cache.ts'
import { HOST, PACKAGE_DIR, PORTS, VERSIONS, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { run } from '../process.ts'

const SOURCES = join(PACKAGE_DIR, 'ferretdb')
/** Patches to FerretDB's own sources, applied in name order before the build (see the README). */
export const PATCHES = join(PACKAGE_DIR, 'patches', 'ferretdb')
const MODULE = 'github.com/FerretDB/FerretDB'

/**
 * SQLite connection parameters of the stack's FerretDB. FerretDB already sets WAL, a busy timeout and
 * no auto-vacuum. `synchronous(normal)` drops the fsync of every commit, which WAL keeps safe against a
 * crash of the process, not of the machine: enough for a local and CI stack. `wal_autocheckpoint(20000)`
 * copies the WAL back into the database every 20 000 pages (80 MB) instead of 1 000: a checkpoint runs
 * inside the commit that crosses the mark and took a fifth of an upsert's CPU, and a rarer one copies
 * a page rewritten many times once.
 */
export const SQLITE_PARAMS = '_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(20000)'

/** The `.patch` files of a folder, in the order they apply. */
export function patchFiles(dir: string = PATCHES): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => join(dir, f))
}

/** The cache key of a build: our main and module files and the patches, by content. */
export function buildKey(patches: readonly string[] = patchFiles()): string {
  return digestFiles([...['go.mod', 'go.sum', 'main.go'].map((f) => join(SOURCES, f)), ...patches])
}

function makeWritable(path: string): void {
  const stat = statSync(path)
  chmodSync(path, stat.mode | 0o200)
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry))
}

/** Copies a tree out of Go's read-only module cache, writable, so patches can change it. */
export function copyWritable(from: string, to: string): void {
  cpSync(from, to, { recursive: true })
  makeWritable(to)
}

/**
 * Applies the patches to a source tree with `git apply`, each checked first so a patch that no longer
 * fits fails the build with git's reason instead of half-applying. The tree becomes a repository of its
 * own, so git never resolves paths against a repository around it.
 */
export function applyPatches(service: string, tree: string, patches: readonly string[]): void {
  run(service, 'git', ['init', '-q'], { cwd: tree })
  for (const patch of patches) {
    run(service, 'git', ['apply', '--check', patch], { cwd: tree })
    run(service, 'git', ['apply', patch], { cwd: tree })
  }
}

/**
 * The MongoDB wire protocol from FerretDB v1 on SQLite, built from the Go module proxy into a small
 * main of ours (`tools/stack/ferretdb`), with the patches of `tools/stack/patches/ferretdb` applied to
 * FerretDB's sources, keyed in the cache on all of them.
 */
export class FerretDbService extends DaemonService {
  readonly name = 'ferretdb'
  readonly host = HOST
  constructor(readonly port: number = PORTS.mongodb) {
    super()
  }

  binary(paths: StackPaths): string {
    return join(paths.cache, `ferretdb-${VERSIONS.ferretdb}-${buildKey()}`, 'ferretdb')
  }

  async install(paths: StackPaths): Promise<void> {
    await cached(join(this.binary(paths), '..'), (dir) => {
      // The pinned module as the proxy serves it (go.sum checks it), copied out to be patched.
      const downloaded = JSON.parse(
        run(this.name, 'go', ['mod', 'download', '-json', `${MODULE}@${VERSIONS.ferretdb}`], {
          cwd: SOURCES,
        }),
      ) as { Dir: string }
      const tree = join(dir, 'ferretdb-src')
      copyWritable(downloaded.Dir, tree)
      applyPatches(this.name, tree, patchFiles())
      const main = join(dir, 'main')
      mkdirSync(main)
      for (const f of ['go.mod', 'go.sum', 'main.go']) copyFileSync(join(SOURCES, f), join(main, f))
      run(this.name, 'go', ['mod', 'edit', `-replace=${MODULE}=../ferretdb-src`], { cwd: main })
      run(this.name, 'go', ['build', '-trimpath', '-o', join(dir, 'ferretdb'), '.'], { cwd: main })
    })
  }

  protected async prepare(paths: StackPaths, dir: string): Promise<Launch> {
    return { command: this.binary(paths), args: ferretDbArgs(this.addressOnly(), join(dir, 'data')) }
  }

  private addressOnly(): string {
    return `${HOST}:${this.port}`
  }

  protected override address(): string {
    return `mongodb://${this.addressOnly()}/`
  }

  protected async healthy(): Promise<boolean> {
    const client = new MongoClient(this.address(), { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 })
    try {
      await client.connect()
      const reply = await client.db('admin').command({ ping: 1 })
      return reply.ok === 1
    } finally {
      await client.close()
    }
  }
}

/** The command line of our FerretDB main: where to listen, where SQLite keeps its files, and how. */
export function ferretDbArgs(listen: string, dataDir: string): string[] {
  return ['-listen', listen, '-sqlite-dir', `${dataDir}/`, '-sqlite-params', SQLITE_PARAMS]
}
