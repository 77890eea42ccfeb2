#!/usr/bin/env node
// The compiled `aegis` CLI (dist/ is built by `npm pack`, or in the repository by `npm run aegis`).
import '../dist/cli/main.js';
