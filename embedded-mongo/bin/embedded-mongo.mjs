#!/usr/bin/env node
// The compiled store CLI (dist/ is built by `npm pack`, or by `npm run build:packages`).
import '../dist/cli.js';
