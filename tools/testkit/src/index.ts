export * from './services.ts'
export * from './integration.ts'
