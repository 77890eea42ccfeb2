import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { createContextInner } from './context';
import { baseProcedure, createCallerFactory, router } from './init';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.dispose());

describe('store errors under every procedure', () => {
  it('a duplicate key from the store is a CONFLICT, not a 500', async () => {
    const scratch = t.store.connection.collection('scratch');
    const probe = router({
      insertTwice: baseProcedure.input(z.object({ id: z.string() })).mutation(async ({ input }) => {
        await scratch.insertOne({ _id: input.id as never });
        await scratch.insertOne({ _id: input.id as never });
        return 'unreachable';
      }),
    });
    const caller = createCallerFactory(probe)(
      createContextInner({
        principal: principals.admin,
        services: t.services,
        auth: t.auth,
        requestId: 'x',
      }),
    );
    await expect(caller.insertTwice({ id: 'same' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
