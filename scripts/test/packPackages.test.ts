import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run pack:packages` is the README's way to get the SDK's tarball. On a fresh clone its
// destination does not exist yet, and `npm pack --pack-destination` then fails with ENOENT.
// Scripts are skipped here: what the packages contain is sdk/test/packed.test.ts's business.

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let scratch: string | undefined;

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('pack:packages', { timeout: 120_000 }, () => {
  it('creates its destination directory and writes both tarballs into it', async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'aegis-pack-'));
    const destination = path.join(scratch, 'not', 'there', 'yet');
    await run(process.execPath, ['scripts/packages/pack.mjs', destination, '--ignore-scripts'], {
      cwd: root,
    });
    expect((await readdir(destination)).sort()).toEqual([
      'aegis-sdk-0.1.0.tgz',
      'embedded-mongo-0.1.0.tgz',
    ]);
  });
});
