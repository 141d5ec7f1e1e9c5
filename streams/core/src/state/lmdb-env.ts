import { closeSync, fsyncSync, mkdirSync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { open, type RootDatabase } from 'lmdb'

/**
 * One persistent store's LMDB environment (a directory of its own), opened without a sync per commit.
 *
 * Kafka Streams never relies on a store's files being durable at a commit: the changelog is the truth,
 * a store is trusted only up to the offsets of a checkpoint file, and the runtime writes that file on a
 * clean close (and a standby's at its interval) after `syncEnv`, and deletes it when the task starts.
 * After any crash there is no checkpoint, so the store is removed (`removeEnv`, never read: after an
 * operating-system crash its pages may be torn) and rebuilt from the changelog. An fsync at every
 * commit would buy nothing and held the event loop for the disk's round trip, once per store per commit.
 */
export function openEnv(path: string, maxDbs?: number): RootDatabase<Buffer, Buffer> {
  mkdirSync(path, { recursive: true })
  return open<Buffer, Buffer>({
    path,
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
    noSync: true,
    ...(maxDbs === undefined ? {} : { maxDbs }),
  })
}

/**
 * Makes everything committed to the environment durable: what a checkpoint may then vouch for. LMDB
 * writes its pages and meta pages to the data file (no write map), so an fsync of that file is
 * `mdb_env_sync`, done synchronously.
 */
export function syncEnv(path: string): void {
  const fd = openSync(join(path, 'data.mdb'), 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Deletes an environment's files: a store not vouched for by a checkpoint starts empty, unread. */
export function removeEnv(path: string): void {
  rmSync(path, { recursive: true, force: true })
  mkdirSync(path, { recursive: true })
}
