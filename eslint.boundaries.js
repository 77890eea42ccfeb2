// @ts-check
/**
 * The dependency rules (root README, "Architecture"; server/README.md), as ESLint config.
 * `eslint.config.js` spreads `boundaries`; `test/lint/boundaries.test.ts` lints one breaking import
 * per rule against exactly these blocks, so a rule that stops firing fails a test.
 *
 * Each file gets ONE effective `no-restricted-imports` (flat config: the last matching block wins
 * the whole rule), so a layer's block repeats its package's patterns (`...server`).
 * Test files and test set-up are exempt: they may start servers and read other packages' helpers.
 */

/** A relative import that climbs out of its package into another one. */
const intoPackage = (/** @type {string[]} */ names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;
/** A relative import of a folder of server/src (from anywhere below server/src). */
const intoServerFolder = (/** @type {string[]} */ folders) =>
  `^(\\.\\./)+(${folders.join('|')})(/|$)`;

const ALL_PACKAGES = [
  'shared',
  'embedded-mongo',
  'server',
  'client',
  'sdk',
  'demo',
  'demo-bank',
  'bench',
];

/** @typedef {{ regex: string, message: string, allowTypeImports?: boolean }} Pattern */

/** @type {Record<string, Pattern[]>} */
const pkg = {
  shared: [
    { regex: '^@aegis/', message: 'shared/ imports nothing of the repository.' },
    { regex: intoPackage(ALL_PACKAGES), message: 'shared/ imports nothing of the repository.' },
  ],
  embeddedMongo: [
    { regex: '^@aegis/', message: 'embedded-mongo/ imports nothing of Aegis.' },
    { regex: intoPackage(ALL_PACKAGES), message: 'embedded-mongo/ imports nothing of Aegis.' },
  ],
  demoBank: [
    { regex: '^@aegis/', message: 'demo-bank/ is a leaf: it imports nothing of Aegis.' },
    {
      regex: intoPackage(ALL_PACKAGES),
      message: 'demo-bank/ is a leaf: it imports nothing of Aegis.',
    },
  ],
  server: [
    {
      regex: '^@aegis/(demo|client|sdk)(/|$)',
      message:
        'server/ never imports demo/, client/ or sdk/ (only @aegis/shared, @aegis/demo-bank).',
    },
    {
      regex: intoPackage(['demo', 'client', 'sdk', 'bench']),
      message: 'server/ never imports demo/, client/ or sdk/.',
    },
  ],
  typesOfServer: [
    {
      regex: '^@aegis/server(/|$)',
      allowTypeImports: true,
      message: 'sdk/ and client/ import server/ only as types (`import type`).',
    },
    {
      regex: intoPackage(['server']),
      allowTypeImports: true,
      message: 'sdk/ and client/ import server/ only as types (`import type`).',
    },
  ],
  demo: [
    {
      regex: '^@aegis/(?!(sdk|shared|demo-bank)(/|$))',
      message: 'demo/ imports only @aegis/sdk, @aegis/shared and @aegis/demo-bank.',
    },
    {
      regex: intoPackage(['server', 'client', 'embedded-mongo', 'bench']),
      message: 'demo/ imports only sdk/, shared/ and demo-bank/.',
    },
  ],
};

/** Inside server/src: routers → services → repos → models; only repos touch models. */
const MODELS_ONLY_IN_REPOS = {
  regex: '(^|/)data/models(/|$)|^\\./models(/|$)|^\\.\\./models(/|$)',
  message: 'Only repos (server/src/data/repos) touch models: go through a repo.',
};
/** @type {Record<string, Pattern[]>} */
const layer = {
  services: [
    MODELS_ONLY_IN_REPOS,
    {
      regex: intoServerFolder(['routers', 'rest', 'http', 'trpc']),
      message: 'Services are below the routers: take contract types from @aegis/shared.',
    },
    {
      regex: '(^|/)data/repos/mappers$',
      message: 'Repos return domain objects; services never map documents.',
    },
    {
      regex: '^@trpc/',
      message: 'Services throw DomainError (@aegis/shared); trpc/errors.ts maps it to the wire.',
    },
    {
      regex: '^mongoose$',
      message: 'Services never use mongoose: that is the repos’ job.',
      allowTypeImports: true,
    },
  ],
  adapters: [
    MODELS_ONLY_IN_REPOS,
    {
      regex: intoServerFolder(['data']),
      message: 'Routers and the REST adapter reach data through services (ctx.services).',
    },
    { regex: '^mongoose$', message: 'Routers and adapters never use mongoose.' },
  ],
  data: [
    {
      regex: intoServerFolder(['services', 'routers', 'rest', 'http', 'trpc', 'auth', 'events']),
      message: 'data/ is the bottom layer: it imports no layer above it.',
    },
  ],
  other: [
    MODELS_ONLY_IN_REPOS,
    {
      regex: '^mongoose$',
      allowTypeImports: true,
      message: 'Only data/ (models, repos, connect) uses mongoose at run time.',
    },
  ],
};

/**
 * Known breaks still being fixed (issue 13), each file listed so the list can only shrink; a file
 * here is checked by every rule but its layer's. Empty means the rules hold everywhere.
 * @type {string[]}
 */
export const pendingLayerBreaks = [
  'server/src/auth/index.ts',
  'server/src/auth/keyStore.ts',
  'server/src/auth/models.ts',
  'server/src/auth/sessions.ts',
  'server/src/services/agents.ts',
  'server/src/services/approvalPoll.ts',
  'server/src/services/approvals.ts',
  'server/src/services/decisions.ts',
];

const rule = (/** @type {Pattern[]} */ patterns) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: patterns.map(({ regex, message, allowTypeImports }) => ({
        regex,
        message,
        allowTypeImports,
      })),
    },
  ],
});

const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/test/**', '**/e2e/**'];
const SRC = (/** @type {string} */ dir) => [
  `${dir}/**/*.ts`,
  `${dir}/**/*.tsx`,
  `${dir}/**/*.js`,
  `${dir}/**/*.mjs`,
];

/** @type {import('typescript-eslint').ConfigArray} */
export const boundaries = [
  { files: SRC('shared'), ignores: TESTS, rules: rule(pkg.shared) },
  { files: SRC('embedded-mongo'), ignores: TESTS, rules: rule(pkg.embeddedMongo) },
  { files: SRC('demo-bank'), ignores: TESTS, rules: rule(pkg.demoBank) },
  { files: SRC('demo'), ignores: TESTS, rules: rule(pkg.demo) },
  { files: [...SRC('sdk'), ...SRC('client')], ignores: TESTS, rules: rule(pkg.typesOfServer) },
  { files: SRC('server'), ignores: TESTS, rules: rule([...pkg.server, ...layer.other]) },
  {
    files: SRC('server/src/services'),
    ignores: TESTS,
    rules: rule([...pkg.server, ...layer.services]),
  },
  {
    files: [...SRC('server/src/routers'), ...SRC('server/src/rest'), ...SRC('server/src/http')],
    ignores: TESTS,
    rules: rule([...pkg.server, ...layer.adapters]),
  },
  {
    files: SRC('server/src/data'),
    ignores: TESTS,
    rules: rule([...pkg.server, ...layer.data, MODELS_ONLY_IN_REPOS]),
  },
  {
    files: [...SRC('server/src/data/repos'), ...SRC('server/src/data/models')],
    ignores: TESTS,
    rules: rule([...pkg.server, ...layer.data]),
  },
  ...pendingBlocks(),
  {
    // tRPC's router internals are read in one module, whose test fails loudly when they move.
    files: SRC('server/src'),
    ignores: [...TESTS, 'server/src/trpc/internals.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='_def']",
          message: 'tRPC internals only through server/src/trpc/internals.ts.',
        },
      ],
    },
  },
];

function pendingBlocks() {
  if (pendingLayerBreaks.length === 0) return [];
  return [{ files: pendingLayerBreaks, rules: rule(pkg.server) }];
}
