import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PACKAGE_DIR, renderGenerated } from './render.ts'

/** Writes the generated files, replacing the base's (an object the code no longer makes goes away). */
async function main(): Promise<void> {
  const files = await renderGenerated()
  const base = join(PACKAGE_DIR, 'kubernetes', 'base')
  for (const entry of readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()))
    rmSync(join(base, entry.name), { recursive: true })
  for (const [path, text] of files) {
    const full = join(PACKAGE_DIR, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, text)
  }
  process.stdout.write(`wrote ${files.size} files under ${PACKAGE_DIR}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
