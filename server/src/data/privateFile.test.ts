import { describe, expect, it } from 'vitest';
import { dataDirOwnerProblem } from './dataDir';
import { keyFileProblem, type KeyFileStat } from './privateFile';

/** An lstat result as the kernel would give it, for the ownership cases a test can't create without root. */
function stat(kind: 'file' | 'symlink' | 'dir', uid: number, mode: number): KeyFileStat {
  return { uid, mode, isSymbolicLink: () => kind === 'symlink', isFile: () => kind === 'file' };
}

describe('which key files the server trusts', () => {
  it('a 0600 regular file of its own user', () => {
    expect(keyFileProblem('/d/admin.key', stat('file', 1000, 0o100600), 1000)).toBeNull();
  });

  it('not a file another user owns (root server, file planted by nobody)', () => {
    expect(keyFileProblem('/d/binding.key', stat('file', 65534, 0o100600), 0)).toMatch(
      /belongs to uid 65534, not to the server's user \(uid 0\)/,
    );
  });

  it('not a symlink, whoever owns it', () => {
    expect(keyFileProblem('/d/admin.key', stat('symlink', 0, 0o120777), 0)).toMatch(
      /symbolic link.*rm \/d\/admin\.key/,
    );
  });

  it('not a directory, nor a file others may read', () => {
    expect(keyFileProblem('/d/admin.key', stat('dir', 0, 0o40700), 0)).toMatch(
      /not a regular file/,
    );
    expect(keyFileProblem('/d/admin.key', stat('file', 0, 0o100644), 0)).toMatch(
      /mode 644.*chmod 600/,
    );
  });

  it('where there are no uids (Windows), only the kind', () => {
    expect(keyFileProblem('/d/admin.key', stat('file', 0, 0o100600), undefined)).toBeNull();
  });
});

describe("the data directory's owner", () => {
  it('must be the server’s own user; the refusal says what to do', () => {
    expect(dataDirOwnerProblem('/srv/aegis', { uid: 0 }, 0)).toBeNull();
    const problem = dataDirOwnerProblem('/tmp/aegis data', { uid: 65534 }, 0);
    expect(problem).toMatch(/belongs to uid 65534, not to the user this server runs as \(uid 0\)/);
    expect(problem).toContain("chown -R 0 '/tmp/aegis data'");
    expect(dataDirOwnerProblem('/srv/aegis', { uid: 65534 }, undefined)).toBeNull();
  });
});
