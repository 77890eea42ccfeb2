// Packs the installable packages (their prepack builds dist/) into one directory, creating it
// first: `npm pack --pack-destination` fails with ENOENT on a directory that does not exist, which
// is what a fresh clone has.
//
//   node scripts/packages/pack.mjs [DESTINATION] [npm pack options…]   (default: dist/packages)
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import process from 'node:process';

const [first, ...rest] = process.argv.slice(2);
const destination = first && !first.startsWith('-') ? first : 'dist/packages';
const options = first && first.startsWith('-') ? [first, ...rest] : rest;
mkdirSync(destination, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = [
  'pack',
  '-w',
  'sdk',
  '-w',
  'embedded-mongo',
  '--pack-destination',
  destination,
  ...options,
];
const result = spawnSync(npm, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
