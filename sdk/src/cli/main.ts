#!/usr/bin/env node
/** The `aegis` command (`npm run aegis -- <command>` in the repository, or the package's bin). */
import { exitQuietlyWhenStdoutCloses } from './errors';
import { runCli } from './run';

const argv = process.argv.slice(2);
// The gateways speak MCP / serve HTTP and stop on their own terms; every other command prints.
if (argv[0] !== 'mcp' && argv[0] !== 'proxy') exitQuietlyWhenStdoutCloses();
process.exitCode = await runCli(argv);
