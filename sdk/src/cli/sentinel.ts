#!/usr/bin/env node
/** `sentinel`: the seed's CLI name; `sentinel kill|revive|log <agent>` work as they did. */
import { exitQuietlyWhenStdoutCloses } from './errors';
import { runCli } from './run';

exitQuietlyWhenStdoutCloses();
process.exitCode = await runCli(process.argv.slice(2), { seedAliases: true, program: 'sentinel' });
