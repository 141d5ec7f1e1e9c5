import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { fillDisk, onPrivateTmpfs, STATE_TMPFS_MB, tmpfsSupport } from './disk.ts'

const skipped = tmpfsSupport()

if (skipped === undefined) {
  test('a private tmpfs fills to ENOSPC for its process alone, and frees again', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-disk-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    // The child writes a file into its state directory when told to (stdin line), and says whether it could.
    const script = `
      const fs = require('node:fs'); let n = 0
      console.log('up')
      process.stdin.on('data', () => {
        try { fs.writeFileSync(process.argv[1] + '/f' + n++, Buffer.alloc(1024 * 1024)); console.log('ok') }
        catch (e) { console.log(e.code) }
      })`
    const [command, args] = onPrivateTmpfs(dir, process.execPath, ['-e', script, dir])
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
    t.teardown(() => void child.kill('SIGKILL'))
    const lines: string[] = []
    const next = (): Promise<string> =>
      new Promise((resolve) => {
        const before = lines.length
        const poll = setInterval(() => {
          if (lines.length > before) {
            clearInterval(poll)
            resolve(lines.at(-1) ?? '')
          }
        }, 20)
      })
    child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')))
    await next()
    child.stdin.write('x\n')
    t.is(await next(), 'ok')
    const filled = fillDisk(child.pid!, dir)
    t.true(filled.bytes > (STATE_TMPFS_MB - 4) * 1024 * 1024 && filled.bytes <= STATE_TMPFS_MB * 1024 * 1024)
    child.stdin.write('x\n')
    t.is(await next(), 'ENOSPC')
    filled.free()
    child.stdin.write('x\n')
    t.is(await next(), 'ok')
    // The mount is the child's alone: the host directory stays empty.
    writeFileSync(join(dir, 'host'), 'x')
    t.false(existsSync(join(dir, 'f0')))
  })
} else {
  test('a private tmpfs for a state directory needs root and unshare', (t) => {
    t.truthy(skipped.reason)
    t.log(`${skipped.code}: ${skipped.reason}`)
  })
}
