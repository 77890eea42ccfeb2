import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Principal } from '@aegis/shared';
import { createExportGate } from './exportGate';

/** Enough of an Express response for the gate: status, headers, a JSON body, and 'close'. */
function fakeResponse() {
  const headers: Record<string, string> = {};
  let body: unknown;
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    headers,
    body: () => body,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    set(name: string, value: string) {
      headers[name] = value;
      return res;
    },
    json(value: unknown) {
      body = value;
      return res;
    },
  });
  return res;
}
const viewer = (keyId: string): Principal => ({ keyId, name: keyId, role: 'viewer', agents: null });

describe('export gate', () => {
  it('one export per key, three per server; each refusal is a 429 that says why; a closed export frees its place', () => {
    const gate = createExportGate(3);
    const open = ['a', 'b', 'c'].map((k) => ({ k, res: fakeResponse() }));
    for (const { k, res } of open)
      expect(gate.admit(viewer(k), res as unknown as Response)).toBe(true);

    const again = fakeResponse();
    expect(gate.admit(viewer('a'), again as unknown as Response)).toBe(false);
    expect(again.statusCode).toBe(429);
    expect(again.body()).toMatchObject({ detail: expect.stringMatching(/still being written/) });

    const fourth = fakeResponse();
    expect(gate.admit(viewer('d'), fourth as unknown as Response)).toBe(false);
    expect(fourth.headers['Retry-After']).toBe('30');
    expect(fourth.body()).toMatchObject({
      detail: expect.stringMatching(/3 exports are being written/),
    });

    open[0]!.res.emit('close');
    expect(gate.admit(viewer('d'), fakeResponse() as unknown as Response)).toBe(true);
    expect(gate.admit(viewer('a'), fakeResponse() as unknown as Response)).toBe(false); // still three
  });
});
