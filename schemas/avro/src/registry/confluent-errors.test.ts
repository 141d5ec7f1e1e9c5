import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import test from 'ava'
import { ConfluentSchemaRegistry } from './confluent.ts'

test('a 404 that is not the registry saying "not found" (a wrong base URL) fails instead of reading as "no such subject"', async (t) => {
  const server = createServer((req, res) => {
    if (req.url?.includes('/known-value/')) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error_code: 40401, message: 'Subject not found' }))
    } else res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const registry = new ConfluentSchemaRegistry({ url: `http://127.0.0.1:${port}`, retries: 0 })
  t.is(await registry.latestVersion('known-value'), undefined)
  await t.throwsAsync(registry.latestVersion('other-value'))
})
