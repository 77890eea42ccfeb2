import { describe, expect, it } from 'vitest';
import { AegisError, createAegis } from '../src/index';
import { uniqueAgent, useSdkServer } from './helpers/server';

// What a newcomer gets wrong first — a URL without its scheme, the REST path in place of the base
// address, a key that is not (or no longer) valid — is answered with what to change, not with
// "Invalid URL", a 404 "not from Aegis" or "An API key is required" when one was sent.

const t = useSdkServer();

async function refusal(url: string, apiKey: string): Promise<AegisError> {
  const aegis = createAegis({ url, apiKey });
  try {
    const handle = aegis.agent(uniqueAgent('mistake'), { allows: ['ping'] });
    const error = await handle.call('ping', {}, () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisError);
    return error as AegisError;
  } finally {
    await aegis.close();
  }
}

describe('set-up mistakes', () => {
  it('a URL without http:// is refused when the client is made, saying how to write it', () => {
    const schemeless = t.server.url.replace(/^http:\/\//, '');
    expect(() => createAegis({ url: schemeless, apiKey: t.server.adminKey })).toThrow(
      `Aegis URL "${schemeless}" (url / --url or AEGIS_URL) is not an http:// or https:// URL: write it like http://127.0.0.1:8000`,
    );
  });

  it('the REST path in place of the base address: the refusal says to drop it', async () => {
    const error = await refusal(`${t.server.url}/api`, t.server.adminKey);
    expect(error.message).toMatch(/HTTP 404/);
    expect(error.message).toMatch(/the server's base address .*without \/api or \/trpc/);
  });

  it('a key the server does not know: the refusal says where the key came from', async () => {
    const error = await refusal(t.server.url, 'aegis_not_a_key');
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/AEGIS_API_KEY.* is missing, unknown or revoked$/);
  });
});
