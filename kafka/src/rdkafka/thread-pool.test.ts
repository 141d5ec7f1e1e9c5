import test from 'ava'
import { pollingLoop, threadPoolSize } from './client.ts'

test("libuv's pool size is UV_THREADPOOL_SIZE when it is a positive integer, else Node's four", (t) => {
  t.is(threadPoolSize({}), 4)
  t.is(threadPoolSize({ UV_THREADPOOL_SIZE: '64' }), 64)
  t.is(threadPoolSize({ UV_THREADPOOL_SIZE: 'lots' }), 4)
  t.is(threadPoolSize({ UV_THREADPOOL_SIZE: '0' }), 4)
  t.is(threadPoolSize({ UV_THREADPOOL_SIZE: '4096' }), 1024)
})

test('as many consuming loops as pool threads warn once, naming the setting', async (t) => {
  const warnings: Error[] = []
  const listener = (warning: Error): void => void warnings.push(warning)
  process.on('warning', listener)
  t.teardown(() => process.off('warning', listener))
  const size = threadPoolSize()
  const first = Array.from({ length: size - 1 }, () => pollingLoop())
  await new Promise((resolve) => setImmediate(resolve))
  t.is(warnings.length, 0, 'fewer loops than threads')
  const more = [pollingLoop(), pollingLoop()]
  await new Promise((resolve) => setImmediate(resolve))
  t.is(warnings.length, 1)
  t.is((warnings[0] as Error & { code?: string }).code, 'OXA_KAFKA_THREAD_POOL')
  t.regex(warnings[0]?.message ?? '', /UV_THREADPOOL_SIZE/)
  for (const end of [...first, ...more]) {
    end()
    end() // ending twice counts once
  }
})
