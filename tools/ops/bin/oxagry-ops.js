#!/usr/bin/env node
// The package runs TypeScript through tsx, without a build step; registering it here lets the bin
// work from any directory.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
