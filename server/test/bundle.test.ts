import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
type Metafile = { inputs: Record<string, unknown> };
const { bundleServer } = (await import(
  pathToFileURL(path.join(root, 'scripts', 'build-server.mjs')).href
)) as {
  bundleServer: (o: { entry?: string; outfile?: string; logLevel?: string }) => Promise<Metafile>;
};

const scratch = await mkdtemp(path.join(tmpdir(), 'aegis-bundle-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Issue 13: the server ran demo code (its bank seeder), bundled because every @aegis/* was. */
describe('the server bundle (npm start)', () => {
  it('holds no demo, SDK or dashboard code: the bank seeder comes from @aegis/demo-bank', async () => {
    const meta = await bundleServer({
      outfile: path.join(scratch, 'server.js'),
      logLevel: 'silent',
    });
    const inputs = Object.keys(meta.inputs).filter((f) => !f.includes('node_modules'));
    const roots = [...new Set(inputs.map((f) => f.split('/')[0]))].sort();
    expect(roots).toEqual(['demo-bank', 'embedded-mongo', 'server', 'shared']);
  });

  it('refuses to bundle a workspace package server/package.json does not declare', async () => {
    const entry = path.join(scratch, 'probe.ts');
    await writeFile(entry, "export { runDemo } from '@aegis/demo';\n");
    await expect(
      bundleServer({ entry, outfile: path.join(scratch, 'probe.js'), logLevel: 'silent' }),
    ).rejects.toThrow(
      /the server may not import @aegis\/demo \(from .*probe\.ts\): server\/package\.json declares only/,
    );
  });
});
