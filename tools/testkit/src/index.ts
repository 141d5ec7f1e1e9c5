export * from './services.ts'
export * from './integration.ts'
export * from './eventually.ts'
export * from './child.ts'
