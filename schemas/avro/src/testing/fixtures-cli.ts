import { writeFixtures } from './fixtures.ts'

const USAGE = `Usage: npm run -w @oxagry/avro fixtures [-- --force]

Writes golden encodings of the sample records (src/testing/samples.ts) into fixtures/.
Existing fixtures are kept: they are the contract. --force rewrites them all, for an intended
change of a schema's encoding; review the diff.`

const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE)
} else if (argv.some((a) => a !== '--force')) {
  console.error(USAGE)
  process.exitCode = 2
} else {
  const written = await writeFixtures(argv.includes('--force'))
  for (const file of written) console.log(`wrote fixtures/${file}`)
  if (written.length === 0) console.log('every sample has its fixture')
}
