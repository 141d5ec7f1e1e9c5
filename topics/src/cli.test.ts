import test from 'ava'
import { TOPIC_LIST } from './catalogue.ts'
import { EXIT, main, USAGE, type Io } from './cli.ts'

function io(env: NodeJS.ProcessEnv = {}): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = []
  const errors: string[] = []
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env }
}

test('--help prints the usage and succeeds; no command is a usage error', async (t) => {
  const help = io()
  t.is(await main(['--help'], help), EXIT.OK)
  t.is(help.lines[0], USAGE)
  t.regex(USAGE, /topics apply/)
  t.regex(USAGE, /--dry-run/)
  t.is(await main([], io()), EXIT.USAGE)
})

test('unknown commands, options and profiles are usage errors (exit 2) with the usage', async (t) => {
  for (const argv of [
    ['topics', 'destroy'],
    ['topics', 'apply', '--force'],
    ['topics', 'list', '--profile', 'staging'],
  ]) {
    const run = io()
    t.is(await main(argv, run), EXIT.USAGE, argv.join(' '))
    t.regex(run.errors.join('\n'), /Usage: oxagry-topics/)
  }
  t.is(await main(['schemas', 'check', '--no-git', '--no-registry'], io()), EXIT.USAGE)
})

test('topics list prints one line per declared topic, with the profile applied', async (t) => {
  const run = io({ TOPICS_PROFILE: 'local' })
  t.is(await main(['topics', 'list', '--prefix', 'x.'], run), EXIT.OK)
  t.is(run.lines.at(-1), `${TOPIC_LIST.length} topics`)
  t.is(run.lines.length, TOPIC_LIST.length + 1)
  t.regex(run.lines[0] ?? '', /^x\.orders\.order-events\.v1 +partitions=12 replicas=1 min\.insync=1 delete/)
})

test('an unreachable cluster is a failure (exit 1) with the typed error', async (t) => {
  const run = io()
  t.is(await main(['topics', 'apply', '--profile', 'local', '--brokers', '127.0.0.1:9'], run), EXIT.FAILED)
  t.regex(run.errors.join('\n'), /\[OXA_KAFKA_BROKER\] connecting to 127\.0\.0\.1:9 \(plaintext\)/)
})
