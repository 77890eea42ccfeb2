#!/usr/bin/env node
/** The `aegis` command (`npm run aegis -- <command>` in the repository, or the package's bin). */
import { runCli } from './run';

// `script`: the gateway re-executes this file to keep its agent key out of its environment.
process.exitCode = await runCli(process.argv.slice(2), { script: process.argv[1] });
