export * from './errors.ts'
export * from './options.ts'
export * from './http-metrics.ts'
export * from './server.ts'
export * from './health.ts'
export type {} from './optional-body.ts'
// The route options these plugins add to Fastify's types (schema summary and hide, websocket routes).
export type {} from '@fastify/swagger'
export type {} from '@fastify/websocket'
