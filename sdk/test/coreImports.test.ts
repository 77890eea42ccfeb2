import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const denyLangchain = path.join(root, 'sdk/test/helpers/denyLangchain.mjs');

/**
 * Imports `specifier` in a fresh Node process (TypeScript through tsx) in which resolving any
 * LangChain module throws, then lists LangChain files that reached the CommonJS cache anyway.
 */
async function importFresh(specifier: string): Promise<{ ok: boolean; output: string }> {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(specifier)});
    const cached = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\\\/]node_modules[\\\\/](@langchain|langchain)[\\\\/]/.test(f));
    if (cached.length) throw new Error('LangChain in the require cache: ' + cached.join(', '));
    console.log('clean');
  `;
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--import', denyLangchain, '--input-type=module', '-e', script],
      { cwd: root },
    );
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
  }
}

describe('the SDK core', () => {
  it('loads no LangChain module', async () => {
    const core = await importFresh('@aegis/sdk');
    expect(core.output).toContain('clean');
    expect(core.ok).toBe(true);
  });

  it('(the check works: the LangChain entry is caught)', async () => {
    const langchain = await importFresh('@aegis/sdk/langchain');
    expect(langchain.ok).toBe(false);
    // Whichever LangChain module the loader resolves first (the order varies with load), e.g.
    // "@langchain/core/utils/json_schema".
    expect(langchain.output).toMatch(/LangChain loaded: "(@langchain\/core\/[\w/.-]+|langchain(\/[\w/.-]+)?)"/);
  });
});
