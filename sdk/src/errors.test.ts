import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import {
  AegisApprovalPendingError,
  AegisBlockedError,
  AegisError,
  AegisKilledError,
  AegisUnavailableError,
} from './errors';
import { isUnreachable, toAegisError } from './serverErrors';
import { resolveApiKey, resolveUrl } from './config';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('errors', () => {
  it('share one base class with code, details and cause', () => {
    const cause = new Error('root');
    const blocked = new AegisBlockedError(
      'no',
      { agent: 'a', action: 'b', reason: 'Policy blocks b' },
      { cause },
    );
    expect(blocked).toBeInstanceOf(AegisError);
    expect(blocked).toBeInstanceOf(Error);
    expect(blocked).toMatchObject({
      code: 'BLOCKED',
      name: 'AegisBlockedError',
      details: { reason: 'Policy blocks b' },
      cause,
    });
    expect(new AegisKilledError('k').code).toBe('KILLED');
    const pending = new AegisApprovalPendingError('p', 7);
    expect(pending.approvalId).toBe(7);
    expect(pending.details.approvalId).toBe(7);
  });

  it('classifies a network failure as unreachable and a server answer as an error', () => {
    const network = new TRPCClientError('fetch failed', { cause: new TypeError('fetch failed') });
    expect(isUnreachable(network)).toBe(true);
    expect(toAegisError(network)).toBeInstanceOf(AegisUnavailableError);
    const forbidden = TRPCClientError.from({
      error: { code: -32003, message: 'nope', data: { code: 'FORBIDDEN', httpStatus: 403 } },
    });
    expect(isUnreachable(forbidden)).toBe(false);
    expect(toAegisError(forbidden).code).toBe('FORBIDDEN');
    const unknown = TRPCClientError.from({
      error: {
        code: -32004,
        message: 'Agent "x" is not registered',
        data: { code: 'NOT_FOUND', httpStatus: 404, aegisCode: 'UNKNOWN_AGENT' },
      },
    });
    expect(toAegisError(unknown, { agent: 'x' }).code).toBe('UNKNOWN_AGENT');
    // the code decides, never the message: a 404 that mentions an agent is still NOT_FOUND
    const otherNotFound = TRPCClientError.from({
      error: {
        code: -32004,
        message: 'No allowed call for agent x was recorded',
        data: { code: 'NOT_FOUND', httpStatus: 404, aegisCode: 'UNKNOWN_CALL' },
      },
    });
    expect(toAegisError(otherNotFound, { agent: 'x' }).code).toBe('NOT_FOUND');
    const internal = TRPCClientError.from({
      error: {
        code: -32603,
        message: 'boom',
        data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
      },
    });
    expect(isUnreachable(internal)).toBe(true);
  });
});

describe('configuration', () => {
  it('takes the URL from the option, then AEGIS_URL, then the local default', () => {
    expect(resolveUrl('http://x:1/', {})).toBe('http://x:1');
    expect(resolveUrl(undefined, { AEGIS_URL: 'http://env:2' })).toBe('http://env:2');
    expect(resolveUrl(undefined, {})).toBe('http://127.0.0.1:8000');
  });

  it('takes the key from the option, then AEGIS_API_KEY, then <data dir>/admin.key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-key-'));
    try {
      expect(resolveApiKey(undefined, { AEGIS_DATA_DIR: dir })).toBeUndefined();
      await writeFile(path.join(dir, 'admin.key'), 'file-key\n', { mode: 0o600 });
      expect(resolveApiKey(undefined, { AEGIS_DATA_DIR: dir })).toBe('file-key');
      expect(resolveApiKey(undefined, { AEGIS_DATA_DIR: dir, AEGIS_API_KEY: 'env-key' })).toBe(
        'env-key',
      );
      expect(resolveApiKey('opt-key', { AEGIS_DATA_DIR: dir, AEGIS_API_KEY: 'env-key' })).toBe(
        'opt-key',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads AEGIS_API_KEY_FILE before admin.key, and says so when that file is missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-key-'));
    try {
      const file = path.join(dir, 'agent.key');
      await writeFile(path.join(dir, 'admin.key'), 'admin-key\n', { mode: 0o600 });
      await writeFile(file, 'agent-key\n', { mode: 0o600 });
      const env = { AEGIS_DATA_DIR: dir, AEGIS_API_KEY_FILE: file };
      expect(resolveApiKey(undefined, env)).toBe('agent-key');
      expect(resolveApiKey(undefined, { ...env, AEGIS_API_KEY: 'env-key' })).toBe('env-key');
      expect(() => resolveApiKey(undefined, { ...env, AEGIS_API_KEY_FILE: `${file}.gone` })).toThrow(
        /AEGIS_API_KEY_FILE .*agent\.key\.gone: ENOENT/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
