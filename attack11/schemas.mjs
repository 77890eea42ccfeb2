/* global process */
// Run with tsx: prints every tRPC procedure's kind and input as JSON Schema (zod's own conversion).
import { z } from 'zod';
import { appRouter } from '../server/src/routers/_app.ts';

const out = {};
for (const [p, v] of Object.entries(appRouter._def.procedures)) {
  const inp = v._def.inputs?.[0];
  let js = null;
  try {
    js = inp ? z.toJSONSchema(inp, { unrepresentable: 'any', io: 'input' }) : null;
  } catch (e) {
    js = { error: String(e) };
  }
  out[p] = { type: v._def.type, input: js };
}
process.stdout.write(JSON.stringify(out));
