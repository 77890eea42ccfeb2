import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from './env';

describe('loadEnv', () => {
  it('has safe defaults: loopback, port 8000, .aegis in the working directory, same-origin only', () => {
    const env = loadEnv({}, '/srv/app');
    expect(env).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8000,
      AEGIS_DATA_DIR: path.resolve('/srv/app', '.aegis'),
      AEGIS_DB_NAME: 'aegis',
      LOG_LEVEL: 'info',
      AEGIS_APPROVAL_TTL_MS: 3600_000,
      AEGIS_CORS_ORIGINS: [],
    });
    expect(env.MONGO_URI).toBeUndefined();
  });

  it('parses values and treats empty strings as unset', () => {
    const env = loadEnv(
      {
        PORT: '9001',
        MONGO_URI: '',
        AEGIS_CORS_ORIGINS: 'http://localhost:5173, https://ops.example.com',
      },
      '/x',
    );
    expect(env.PORT).toBe(9001);
    expect(env.MONGO_URI).toBeUndefined();
    expect(env.AEGIS_CORS_ORIGINS).toEqual(['http://localhost:5173', 'https://ops.example.com']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['MONGO_URI', 'postgres://nope'],
    ['LOG_LEVEL', 'loud'],
    ['AEGIS_APPROVAL_TTL_MS', '-5'],
    ['AEGIS_CORS_ORIGINS', 'not a url'],
    ['AEGIS_DB_NAME', 'bad/name'],
    ['AEGIS_RATE_DECIDE', 'fast'],
    ['AEGIS_RATE_LOGIN', '0'],
    ['AEGIS_RATE_REPORTS', '-1/s'],
    ['AEGIS_MAX_STREAMS', '0'],
    ['AEGIS_MAX_STREAMS', '2.5'],
  ])('a bad %s (%s) stops start-up with a message naming it', (name, value) => {
    let error: unknown;
    try {
      loadEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as Error).message).toContain(name);
  });

  it('reads rate limits as numbers, with or without a unit; blank means the default', () => {
    const env = loadEnv({
      AEGIS_RATE_DECIDE: '500/s',
      AEGIS_RATE_LOGIN: '20/min',
      AEGIS_RATE_REPORTS: ' ',
    });
    expect([env.AEGIS_RATE_DECIDE, env.AEGIS_RATE_LOGIN, env.AEGIS_RATE_REPORTS]).toEqual([
      500, 20, 2000,
    ]);
  });

  it('allows 16 live streams per key unless AEGIS_MAX_STREAMS says otherwise', () => {
    expect(loadEnv({}).AEGIS_MAX_STREAMS).toBe(16);
    expect(loadEnv({ AEGIS_MAX_STREAMS: '64' }).AEGIS_MAX_STREAMS).toBe(64);
  });
});
