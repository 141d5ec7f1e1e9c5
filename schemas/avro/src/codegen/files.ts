import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { format, resolveConfig } from 'prettier'
import { listSchemaFiles, readSchemaFile, SCHEMAS_ROOT } from '../schema.ts'
import { generate } from './generate.ts'

/** Where the generated files live. */
export const GENERATED_DIR = join(SCHEMAS_ROOT, 'src', 'generated')

/** The generated files as the repository's prettier settings format them, from the .avsc files on disk. */
export async function renderGenerated(root: string = SCHEMAS_ROOT): Promise<Map<string, string>> {
  const sources = listSchemaFiles(root).map((file) => ({ file, schema: readSchemaFile(file, root) }))
  const rendered = new Map<string, string>()
  for (const [name, code] of generate(sources)) {
    const path = join(GENERATED_DIR, name)
    const options = (await resolveConfig(path)) ?? {}
    rendered.set(name, await format(code, { ...options, filepath: path }))
  }
  return rendered
}

/** Names of generated files whose content on disk differs from what the codegen produces now. */
export async function staleGenerated(): Promise<string[]> {
  const stale: string[] = []
  for (const [name, code] of await renderGenerated()) {
    let current: string | undefined
    try {
      current = readFileSync(join(GENERATED_DIR, name), 'utf8')
    } catch {
      current = undefined
    }
    if (current !== code) stale.push(name)
  }
  return stale
}

export async function writeGenerated(): Promise<string[]> {
  const written: string[] = []
  for (const [name, code] of await renderGenerated()) {
    writeFileSync(join(GENERATED_DIR, name), code)
    written.push(name)
  }
  return written
}
