#!/usr/bin/env node
/** `sentinel`: the seed's CLI name; `sentinel kill|revive|log <agent>` work as they did. */
import { runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2), { seedAliases: true, program: 'sentinel' });
