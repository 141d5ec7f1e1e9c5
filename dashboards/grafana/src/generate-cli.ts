import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENERATED_DIR, PACKAGE_DIR, renderDashboards } from './render.ts'

/** Writes the dashboards' JSON, replacing what was there (a dashboard removed from the code goes). */
async function main(): Promise<void> {
  const files = await renderDashboards()
  const dir = join(PACKAGE_DIR, GENERATED_DIR)
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync(dir)) rmSync(join(dir, name))
  for (const [path, text] of files) writeFileSync(join(PACKAGE_DIR, path), text)
  process.stdout.write(`wrote ${files.size} dashboards to ${dir}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
