import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createTestContext, type TestContext } from '../../test/helpers/testServer';
import { loadBindingSecret } from './bindingSecret';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.dispose());

const base = () => ({
  dataDir: '/nonexistent',
  connection: t.store.connection,
  logger: createLogger('silent'),
});

describe('the approval-binding key of a MONGO_URI deployment', () => {
  it('is generated once into the database and shared by every server on it', async () => {
    const [a, b] = await Promise.all([
      loadBindingSecret({ ...base(), embedded: false }),
      loadBindingSecret({ ...base(), embedded: false }),
    ]);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(b.equals(a)).toBe(true);
    expect((await loadBindingSecret({ ...base(), embedded: false })).equals(a)).toBe(true);
  });

  it('is AEGIS_SECRET when that is set', async () => {
    const secret = 'x'.repeat(40);
    const key = await loadBindingSecret({ ...base(), embedded: false, secret });
    expect(key.toString('utf8')).toBe(secret);
  });
});
