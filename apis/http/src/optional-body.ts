import type { FastifyInstance, preValidationAsyncHookHandler } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's body may be left out: none at all reads as `{}`, so the body schema still checks one that
     * is sent, and the OpenAPI document says the body is not required.
     */
    optionalBody?: boolean
  }
}

/** What this file reads and changes of an OpenAPI document's paths: an operation's `requestBody.required`. */
type Paths = Record<string, Record<string, { requestBody?: { required?: boolean } } | undefined> | undefined>

// Only a body not sent at all: a JSON `null` is a body, and the schema refuses it.
const emptyBody: preValidationAsyncHookHandler = async (request) => {
  if (request.body === undefined) request.body = {}
}

/**
 * Routes with `config.optionalBody` read a missing body as `{}`; returns what marks their bodies not
 * required in the OpenAPI document (the document generator marks every body schema required).
 * Register before the routes.
 */
export function optionalBodies(app: FastifyInstance): <D extends { paths?: object }>(document: D) => D {
  const operations: { path: string; method: string }[] = []
  app.addHook('onRoute', (route) => {
    if (route.config?.optionalBody !== true) return
    // `/orders/:id/cancel` is `/orders/{id}/cancel` in the document.
    const path = route.url.replace(/:([^/]+)/g, '{$1}')
    for (const method of [route.method].flat()) operations.push({ path, method: method.toLowerCase() })
    route.preValidation = [emptyBody, ...[route.preValidation ?? []].flat()]
  })
  return (document) => {
    for (const { path, method } of operations) {
      const body = (document.paths as Paths | undefined)?.[path]?.[method]?.requestBody
      if (typeof body === 'object') body.required = false
    }
    return document
  }
}
