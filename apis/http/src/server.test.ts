import test from 'ava'
import { createApiServer } from './server.ts'

/** A server with one route taking a typed body and a numeric query string and path parameter. */
async function server(t: { teardown(fn: () => Promise<void>): void }) {
  const { app } = await createApiServer({
    title: 'test',
    description: 'a test API',
    scopeNote: '',
    access: [['/', { public: true }]],
    wsMaxPayload: 1024,
  })
  app.post(
    '/things/:n',
    {
      schema: {
        params: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 10 }, exact: { type: 'boolean' } },
          additionalProperties: false,
        },
        body: {
          type: 'object',
          properties: {
            reference: { type: 'string' },
            quantity: { type: 'integer' },
            flag: { type: 'boolean' },
          },
          required: ['reference'],
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ params: request.params, query: request.query, body: request.body }),
  )
  t.teardown(() => app.close())
  return app
}

test('a wrongly typed body field is a 400 naming the field, never coerced', async (t) => {
  const app = await server(t)
  for (const [body, field] of [
    [{ reference: false }, 'body/reference'],
    [{ reference: 12 }, 'body/reference'],
    [{ reference: 'r', quantity: '3' }, 'body/quantity'],
    [{ reference: 'r', flag: 'true' }, 'body/flag'],
    [{ reference: 'r', quantity: [3] }, 'body/quantity'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/things/1', payload: body })
    t.is(res.statusCode, 400, JSON.stringify(body))
    const error = res.json<{ statusCode: number; code: string; message: string }>()
    t.is(error.code, 'OXA_API_BAD_REQUEST')
    t.true(error.message.startsWith(field), `${error.message} names ${field}`)
  }
})

test('query strings and path parameters are still coerced from text to the schema’s types', async (t) => {
  const app = await server(t)
  const res = await app.inject({
    method: 'POST',
    url: '/things/7?limit=5&exact=true',
    payload: { reference: 'r', quantity: 3, flag: false },
  })
  t.is(res.statusCode, 200)
  t.deepEqual(res.json(), {
    params: { n: 7 },
    query: { limit: 5, exact: true },
    body: { reference: 'r', quantity: 3, flag: false },
  })
  const outOfRange = await app.inject({
    method: 'POST',
    url: '/things/7?limit=11',
    payload: { reference: 'r' },
  })
  t.is(outOfRange.statusCode, 400)
  t.regex(outOfRange.json<{ message: string }>().message, /^querystring\/limit/)
})

test('405 comes before 413: a method the path lacks is refused with Allow even when it sends a body', async (t) => {
  const app = await server(t)
  const res = await app.inject({ method: 'PUT', url: '/things/1', payload: { reference: 'r' } })
  t.is(res.statusCode, 405)
  t.is(res.headers.allow, 'POST')
  t.is(res.headers.connection, 'close')
  t.is(res.json<{ code: string }>().code, 'OXA_API_METHOD_NOT_ALLOWED')
})

test('a route with config.optionalBody reads no body as {}, still checks one sent, and documents it optional', async (t) => {
  const app = await server(t)
  app.post(
    '/things/:n/close',
    {
      config: { optionalBody: true },
      schema: {
        body: {
          type: 'object',
          properties: { note: { type: 'string' } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ body: request.body }),
  )
  const none = await app.inject({ method: 'POST', url: '/things/1/close' })
  t.is(none.statusCode, 200)
  t.deepEqual(none.json(), { body: {} })
  const bad = await app.inject({ method: 'POST', url: '/things/1/close', payload: { note: 3 } })
  t.is(bad.statusCode, 400)
  t.regex(bad.json<{ message: string }>().message, /^body\/note/)
  const nullBody = await app.inject({
    method: 'POST',
    url: '/things/1/close',
    headers: { 'content-type': 'application/json' },
    payload: 'null',
  })
  t.is(nullBody.statusCode, 400, 'a JSON null is a body, and not an object')
  const doc = (await app.inject('/docs/json')).json<{
    paths: Record<string, { post?: { requestBody?: { required?: boolean } } }>
  }>()
  t.is(doc.paths['/things/{n}/close']?.post?.requestBody?.required, false)
  t.is(doc.paths['/things/{n}']?.post?.requestBody?.required, true)
})
