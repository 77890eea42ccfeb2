#!/usr/bin/env node
/** The `aegis` command (`npm run aegis -- <command>` in the repository, or the package's bin). */
import { runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2));
