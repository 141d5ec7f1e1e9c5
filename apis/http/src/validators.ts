import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'

type ValidatorBuilder = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>

/**
 * What a pool's compiler is at run time: it takes the route's schema definition (schema, method, url,
 * httpPart), as Fastify calls it; the package's declarations say it takes a bare schema.
 */
type RouteCompiler = FastifySchemaCompiler<unknown>

/** Ajv options every part shares: the first error only (all errors is a DoS), nothing silently dropped. */
const SHARED = { allErrors: false, removeAdditional: false } as const

/**
 * The route schemas' validators, two Ajv configurations: a body is JSON and arrives typed, so it is taken
 * as sent (`"reference": false` is a 400 naming `body/reference`, not the string "false"); a query
 * string, path parameters and headers arrive as text, so they are coerced to the schema's types
 * (`?limit=10` is the number 10). For `schemaController.compilersFactory.buildValidator`.
 */
export function partValidators(): ValidatorBuilder {
  const coercing = AjvCompiler()
  const typed = AjvCompiler()
  return (externalSchemas, ajvOptions) => {
    // The server's plugins (formats), with these options in place of its own.
    const options = (coerceTypes: boolean) => ({
      plugins: ajvOptions?.plugins ?? [],
      customOptions: { ...SHARED, coerceTypes },
    })
    const text = coercing(externalSchemas, options(true)) as unknown as RouteCompiler
    const body = typed(externalSchemas, options(false)) as unknown as RouteCompiler
    const compile: RouteCompiler = (route) => (route.httpPart === 'body' ? body(route) : text(route))
    return compile as unknown as ReturnType<ValidatorBuilder>
  }
}
