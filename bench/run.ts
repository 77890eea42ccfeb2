/**
 * `npm run bench [-- --quick] [--profile] [--only 1,2]`: the hot path against the seed's
 * protocol, on a real server process with the embedded store. Prints a table and writes
 * bench/results/<timestamp>.json. See bench/README.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, writeJson } from './report';
import { runBench } from './runBench';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const valueOf = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const resultsDir = path.join(here, 'results');
const only = valueOf('--only')?.split(',').map(Number).filter((n) => n >= 1 && n <= 15);
const profileDir = flag('--profile') ? path.join(resultsDir, 'profiles') : undefined;

const report = await runBench({ quick: flag('--quick'), profileDir, only });
process.stdout.write(`\n${formatTable(report)}\n`);
if (report.store !== undefined) process.stdout.write(`\nEmbedded store (bench/store.ts): ${JSON.stringify(report.store)}\n`);
const file = await writeJson(report, resultsDir);
process.stdout.write(`\nResults: ${path.relative(process.cwd(), file)}${profileDir ? `; server CPU profile in ${path.relative(process.cwd(), profileDir)}` : ''}\n`);
process.exitCode = Object.keys(report.failures).length > 0 ? 1 : 0;
