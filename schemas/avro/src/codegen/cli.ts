import { staleGenerated, writeGenerated } from './files.ts'

const USAGE = `Usage: npm run -w @oxagry/avro codegen [-- --check]

Generates src/generated/{types,contracts}.ts from the .avsc files.
  --check   write nothing; exit 1 when the checked-in files are stale
  --help    this text`

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  const unknown = argv.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(' ')}\n\n${USAGE}`)
    return 2
  }
  if (argv.includes('--check')) {
    const stale = await staleGenerated()
    for (const name of stale) console.error(`stale: src/generated/${name}`)
    return stale.length === 0 ? 0 : 1
  }
  for (const name of await writeGenerated()) console.log(`wrote src/generated/${name}`)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
