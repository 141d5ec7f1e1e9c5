import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { dashboards } from './all.ts'

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
/** Where the JSON is written; Grafana's provisioning (provisioning/dashboards/oxagry.yaml) reads it. */
export const GENERATED_DIR = 'generated'

/** Every dashboard's JSON file, by path under the package: what `generate` writes and the test compares. */
export async function renderDashboards(): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const dashboard of dashboards()) {
    const path = `${GENERATED_DIR}/${dashboard.uid}.json`
    const full = join(PACKAGE_DIR, path)
    files.set(
      path,
      await format(JSON.stringify(dashboard), { ...((await resolveConfig(full)) ?? {}), filepath: full }),
    )
  }
  return files
}
