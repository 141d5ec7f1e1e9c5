export * from './errors.ts'
export * from './crd.ts'
export * from './manifests.ts'
