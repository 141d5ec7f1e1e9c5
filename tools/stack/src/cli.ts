import { stackPaths } from './config.ts'
import { StackError } from './errors.ts'
import { down, formatStatus, status, up } from './stack.ts'

const USAGE = 'usage: stack up | down | status'

async function main(command: string | undefined): Promise<number> {
  const paths = stackPaths()
  const report = (line: string): void => console.log(line)
  switch (command) {
    case 'up': {
      const started = Date.now()
      await up(paths, report)
      console.log(formatStatus(await status(paths)))
      console.log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s; state in ${paths.state}`)
      return 0
    }
    case 'down':
      await down(paths, report)
      console.log('stack down: no stack process left')
      return 0
    case 'status': {
      const rows = await status(paths)
      console.log(formatStatus(rows))
      // Like systemctl: non-zero when something is not running, for scripts that ask.
      return rows.every((r) => r.state === 'up' || r.state === 'in-process') ? 0 : 3
    }
    default:
      console.error(USAGE)
      return 2
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const errors = error instanceof AggregateError ? error.errors : [error]
    if (error instanceof AggregateError) console.error(error.message)
    for (const e of errors) console.error(e instanceof StackError ? `[${e.code}] ${e.message}` : e)
    process.exit(1)
  },
)
