import { writeFileSync } from 'node:fs'
import { FaultsError } from './errors.ts'
import { parseArgs } from './options.ts'
import { renderReport, verdictOf } from './report.ts'
import { runSuite } from './suite.ts'

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv)
  const suite = await runSuite(options.plan, { portBase: options.portBase, parts: options.parts })
  const markdown = renderReport(suite)
  if (options.reportFile === undefined) process.stdout.write(markdown)
  else {
    writeFileSync(options.reportFile, markdown)
    console.error(`[faults] report written to ${options.reportFile}`)
  }
  return suite.faults.some((f) => verdictOf(f) === 'FAIL') ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof FaultsError ? `[${error.code}] ${error.message}` : error)
    process.exit(2)
  },
)
