// Runs after patch-package (the root postinstall). node-rdkafka compiles its addon in its own install
// script, before patch-package patches its C++ sources (node-rdkafka+3.6.1.patch adds `commitCb`, a
// commit on the thread pool instead of the event loop); this recompiles the patched files. The build is
// incremental (librdkafka is not rebuilt), about 30 s, and skipped when the addon already has the patch.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, 'node_modules', 'node-rdkafka')
const addon = join(dir, 'build', 'Release', 'node-librdkafka.node')
const patched = () => readFileSync(addon).includes('KafkaConsumerCommitCb')

if (!existsSync(addon)) {
  console.error('node-rdkafka: no compiled addon to patch (was its install script skipped?)')
  process.exit(1)
}
if (!patched()) {
  const nodeGyp =
    process.env.npm_config_node_gyp ??
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    )
  console.error('node-rdkafka: recompiling the patched sources')
  execFileSync(process.execPath, [nodeGyp, 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
  if (!patched()) {
    console.error('node-rdkafka: the rebuilt addon still lacks the patch')
    process.exit(1)
  }
}
