#!/usr/bin/env node
// No build step: load the TypeScript entry through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/sentinel.ts');
