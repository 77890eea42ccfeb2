#!/usr/bin/env node
// The compiled `sentinel` CLI, the seed's name for `aegis` (see aegis.mjs).
import '../dist/cli/sentinel.js';
