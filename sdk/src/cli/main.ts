#!/usr/bin/env node
/** The `aegis` command (run with tsx: `npm run aegis -- <command>`, or the package's bin). */
import { runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2));
