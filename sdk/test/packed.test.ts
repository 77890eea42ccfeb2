import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer } from './helpers/server';

// The SDK and the embedded store as people get them: `npm pack` (whose prepack builds dist/),
// the tarballs installed into a fresh project outside the repository, used from plain Node ESM
// and from TypeScript (node16 resolution, types checked by tsc) against a real server.

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** The environment of a person's shell: none of the npm_* settings `npm test` passes down. */
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)),
);

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: cleanEnv, maxBuffer: 16 << 20 });
  return stdout;
}

/** Packs a workspace package into `dir` and returns the tarball's path. */
async function pack(workspace: string, dir: string): Promise<string> {
  const [info] = JSON.parse(
    await npm(['pack', '--json', '--pack-destination', dir], path.join(root, workspace)),
  ) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack ${workspace} reported nothing`);
  return path.join(dir, info.filename);
}

const t = useSdkServer();
let project: string;
let tarballs: Record<'sdk' | 'store', string>;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'aegis-consumer-'));
  const sdk = await pack('sdk', project);
  const store = await pack('embedded-mongo', project);
  tarballs = { sdk, store };
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'aegis-consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@aegis/sdk': `file:${sdk}`,
        'embedded-mongo': `file:${store}`,
        mongodb: '7.8',
        '@types/node': '^20.19.0',
      },
      // better-sqlite3 compiles from source here (no prebuilt download): use the repository's
      // build of the same version rather than compile it again for every run.
      overrides: { 'better-sqlite3': `file:${path.join(root, 'node_modules/better-sqlite3')}` },
    }),
  );
  // Everything comes from the npm cache that installing this repository filled; nothing runs
  // an install script (the linked better-sqlite3 is built already).
  await npm(
    [
      'install',
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    project,
  );
  await mkdir(path.join(project, 'src'));
  await copyFile(path.join(here, 'consumer/plain.mjs'), path.join(project, 'plain.mjs'));
  await copyFile(path.join(here, 'consumer/guarded.ts'), path.join(project, 'src/guarded.ts'));
  await writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        skipLibCheck: false,
        noEmitOnError: false,
        types: ['node'],
        outDir: 'out',
      },
      include: ['src'],
    }),
  );
}, 600_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** Runs a script of the consumer project against the test server as `agent`; its JSON line. */
async function consumer(script: string, agent: string): Promise<Record<string, unknown>> {
  const env = {
    ...cleanEnv,
    AEGIS_URL: t.server.url,
    AEGIS_API_KEY: t.server.adminKey,
    AGENT: agent,
  };
  const { stdout } = await run(process.execPath, [script], { cwd: project, env });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
}

describe('the packed SDK', { timeout: 240_000 }, () => {
  it('ships compiled JavaScript, bundled types and the bins — no TypeScript source, no tsx', async () => {
    expect(path.basename(tarballs.sdk)).toMatch(/^aegis-sdk-\d+\.\d+\.\d+\.tgz$/);
    const listing = (await run('tar', ['-tzf', tarballs.sdk])).stdout.split('\n').filter(Boolean);
    expect(listing).toEqual(
      expect.arrayContaining([
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/langchain/index.d.ts',
        'package/bin/aegis.mjs',
        'package/README.md',
      ]),
    );
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const installed = path.join(project, 'node_modules/@aegis/sdk');
    const { stdout: help } = await run(path.join(project, 'node_modules/.bin/aegis'), ['--help']);
    expect(help).toContain('Usage: aegis <command>');
    expect((await readdir(installed)).sort()).toEqual(['README.md', 'bin', 'dist', 'package.json']);
  });

  it('works from plain Node ESM, without LangChain installed', async () => {
    const agent = uniqueAgent('packed-plain');
    expect(await consumer('plain.mjs', agent)).toEqual({
      allowed: 'balance of 7',
      blocked: 'BLOCKED',
      stored: 1,
    });
    const { entries } = await t.reviewer.audit.list.query({ agent });
    expect(entries.map((e) => `${e.action}:${e.status}`).sort()).toEqual([
      'drop:BLOCKED',
      'lookup:ALLOWED',
    ]);
  });

  it('type-checks under node16 resolution with the router types included, and runs compiled', async () => {
    // skipLibCheck is off, so the package's own declarations are checked too. @trpc/client's
    // declarations import `ws` types nobody installs (tRPC's known wart, hidden by the usual
    // skipLibCheck); only errors in this project's code or in the packed packages count.
    const output = await run(process.execPath, [tsc, '-p', project], { cwd: project }).then(
      ({ stdout }) => stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    const ours = output
      .split('\n')
      .filter((line) => /^(src\/|node_modules\/(@aegis\/sdk|embedded-mongo)\/)/.test(line));
    expect(ours).toEqual([]);
    expect(output).not.toMatch(/error TS(5|6)\d{3}/); // no configuration or option errors
    const agent = uniqueAgent('packed-typed');
    expect(await consumer('out/guarded.js', agent)).toEqual({
      allowed: 'balance of 7',
      blocked: 'BLOCKED',
      listed: true,
      verdicts: ['ALLOWED', 'BLOCKED'],
    });
  });
});
