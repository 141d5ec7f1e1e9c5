import { AuthError } from '@oxagry/api-auth'
import test from 'ava'
import { ApiError, toErrorBody } from './errors.ts'

test('one table maps every error to the one body; internal codes and messages do not reach clients', (t) => {
  const cases: [unknown, { statusCode: number; code: string; message: string }, boolean][] = [
    [
      new ApiError('OXA_API_NOT_FOUND', 'machine X not found'),
      { statusCode: 404, code: 'OXA_API_NOT_FOUND', message: 'machine X not found' },
      false,
    ],
    [
      Object.assign(new Error('/query/cursor is not a cursor this API returned'), {
        code: 'OXA_SINK_INVALID_QUERY',
      }),
      {
        statusCode: 400,
        code: 'OXA_API_BAD_REQUEST',
        message: 'querystring/cursor is not a cursor this API returned',
      },
      false,
    ],
    [
      new AuthError('OXA_AUTH_INSUFFICIENT_SCOPE', 'the token lacks the scope ops'),
      { statusCode: 403, code: 'OXA_API_FORBIDDEN', message: 'the token lacks the scope ops' },
      false,
    ],
    [
      new AuthError('OXA_AUTH_UNAVAILABLE', 'keys unavailable'),
      {
        statusCode: 503,
        code: 'OXA_API_NOT_READY',
        message: 'a service this request needs is unavailable; try again',
      },
      true,
    ],
    [
      Object.assign(new Error('connection refused to 10.0.0.5'), { code: 'OXA_SINK_TRANSIENT' }),
      { statusCode: 500, code: 'OXA_API_INTERNAL', message: 'internal error' },
      true,
    ],
    [
      Object.assign(new Error('Request body is too large'), {
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
        statusCode: 413,
      }),
      { statusCode: 413, code: 'OXA_API_PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
      false,
    ],
  ]
  for (const [error, expected, internal] of cases)
    t.deepEqual(toErrorBody(error), { body: expected, internal }, expected.code)
})
