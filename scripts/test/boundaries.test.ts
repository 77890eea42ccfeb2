import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The config files are plain JS (ESLint loads them without a build); typed here by what we use.
type Block = Linter.Config;
const rulesModule = '../../eslint.boundaries.js';
const configModule = '../../eslint.config.js';
const { boundaries, pendingLayerBreaks } = (await import(rulesModule)) as {
  boundaries: Block[];
  pendingLayerBreaks: string[];
};
const { default: config } = (await import(configModule)) as { default: Block[] };

/**
 * Each dependency rule (root README "Architecture", server/README.md) gets one import that
 * breaks it and one that keeps it, linted as if it were a file at that path. The files need not
 * exist: only the boundary blocks run (no type information), exactly as `npm run lint` has them.
 */
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
      languageOptions: { parser: tseslint.parser },
    },
    { plugins: { '@typescript-eslint': tseslint.plugin } },
    ...boundaries,
  ],
});

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const breaks: Array<[rule: string, file: string, code: string]> = [
  ['shared imports nothing of the repo', 'shared/src/x.ts', "import { a } from '@aegis/server';"],
  [
    'shared imports nothing of the repo (relative)',
    'shared/src/x.ts',
    "import { a } from '../../sdk/src/index';",
  ],
  [
    'embedded-mongo imports nothing of Aegis',
    'embedded-mongo/src/x.ts',
    "import { a } from '@aegis/shared';",
  ],
  ['demo-bank is a leaf', 'demo-bank/src/x.ts', "import { a } from '@aegis/sdk';"],
  ['server never imports demo', 'server/src/services/x.ts', "import { a } from '@aegis/demo';"],
  [
    'server never imports demo (subpath)',
    'server/src/x.ts',
    "import { a } from '@aegis/demo/bank';",
  ],
  [
    'server never imports client',
    'server/src/rest/x.ts',
    "import { a } from '../../../client/src/main';",
  ],
  ['server never imports sdk', 'server/src/http/x.ts', "import { a } from '@aegis/sdk';"],
  [
    'sdk imports server only as types',
    'sdk/src/x.ts',
    "import { appRouter } from '@aegis/server';",
  ],
  [
    'client imports server only as types',
    'client/src/x.tsx',
    "import { appRouter } from '@aegis/server';",
  ],
  ['demo imports only sdk/shared/demo-bank', 'demo/src/x.ts', "import { a } from '@aegis/server';"],
  [
    'demo imports only sdk/shared/demo-bank (store)',
    'demo/src/x.ts',
    "import { a } from '@aegis/embedded-mongo';",
  ],
  [
    'services never import models',
    'server/src/services/x.ts',
    "import type { AgentDoc } from '../data/models/agent.model';",
  ],
  [
    'services never map documents',
    'server/src/services/x.ts',
    "import { toAgent } from '../data/repos/mappers';",
  ],
  ['services are below routers', 'server/src/services/x.ts', "import { a } from '../routers/sdk';"],
  [
    'services throw domain errors, not tRPC ones',
    'server/src/services/x.ts',
    "import { TRPCError } from '@trpc/server';",
  ],
  ['services never use mongoose', 'server/src/services/x.ts', "import mongoose from 'mongoose';"],
  [
    'routers reach data through services',
    'server/src/routers/x.ts',
    "import { createRepos } from '../data/repos';",
  ],
  [
    'REST reaches data through services',
    'server/src/rest/x.ts',
    "import { a } from '../data/auditChain';",
  ],
  ['only repos touch models', 'server/src/auth/x.ts', "import { m } from '../data/models';"],
  [
    'only data uses mongoose at run time',
    'server/src/auth/x.ts',
    "import { Schema } from 'mongoose';",
  ],
  [
    'data is the bottom layer',
    'server/src/data/repos/x.ts',
    "import { a } from '../../services/errors';",
  ],
  ['only repos touch models (data/)', 'server/src/data/x.ts', "import { m } from './models';"],
  [
    'tRPC internals only in trpc/internals.ts',
    'server/src/http/x.ts',
    'const config = appRouter._def._config;',
  ],
];

const keeps: Array<[rule: string, file: string, code: string]> = [
  ['shared imports itself', 'shared/src/x.ts', "import { a } from './schemas/common';"],
  [
    'server imports shared and demo-bank',
    'server/src/services/x.ts',
    "import { a } from '@aegis/shared';\nimport { b } from '@aegis/demo-bank';",
  ],
  ['sdk imports server types', 'sdk/src/x.ts', "import type { AppRouter } from '@aegis/server';"],
  [
    'demo imports sdk, shared, demo-bank',
    'demo/src/x.ts',
    "import { a } from '@aegis/sdk/langchain';\nimport { b } from '@aegis/shared';\nimport { c } from '@aegis/demo-bank';",
  ],
  ['services use repos', 'server/src/services/x.ts', "import type { Repos } from '../data/repos';"],
  [
    'services name mongoose types',
    'server/src/services/x.ts',
    "import type { Connection } from 'mongoose';",
  ],
  [
    'repos touch models',
    'server/src/data/repos/x.ts',
    "import type { AgentDoc } from '../models/agent.model';",
  ],
  [
    'routers use services and trpc',
    'server/src/routers/x.ts',
    "import { router } from '../trpc/init';\nimport { a } from '../services/actions';",
  ],
  [
    'tests may start servers',
    'sdk/test/x.test.ts',
    "import { startServer } from '../../server/src/server';",
  ],
];

describe('dependency rules (eslint.boundaries.js)', () => {
  it.each(breaks)('%s: fails', async (_rule, file, code) => {
    const found = await messages(file, code);
    expect(found.length, `${file}: ${code}`).toBeGreaterThan(0);
    expect(
      found.every((m) =>
        /^(@typescript-eslint\/no-restricted-imports|no-restricted-syntax):/.test(m),
      ),
    ).toBe(true);
  });

  it.each(keeps)('%s: passes', async (_rule, file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });

  it('are part of the config `npm run lint` uses', () => {
    for (const block of boundaries) expect(config).toContain(block);
  });

  // The list of files still being moved into their layer may only shrink.
  it('exempt no file beyond the known, shrinking list', () => {
    const known = [
      ...['index', 'keyStore', 'models', 'sessions'].map((f) => `server/src/auth/${f}.ts`),
      ...['agents', 'approvalPoll', 'approvals', 'decisions'].map(
        (f) => `server/src/services/${f}.ts`,
      ),
    ];
    for (const file of pendingLayerBreaks) expect(known).toContain(file);
  });
});

describe('formatting (prettier --check in npm run lint)', () => {
  it('checks the files in .prettier-checked, which all exist', async () => {
    const { readFile, access } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.lint).toContain('npm run lint:format');
    expect(pkg.scripts['lint:format']).toBe('prettier --check $(cat .prettier-checked)');
    const files = (await readFile('.prettier-checked', 'utf8')).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) await access(file);
  });
});
