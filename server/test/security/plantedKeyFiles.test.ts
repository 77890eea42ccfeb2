import { chmod, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirError } from '../../src/data/dataDir';
import { startTestServer } from '../helpers/testServer';

/**
 * Review 6, finding 7: whoever prepared the data directory first could plant `admin.key` as a
 * symlink to a file of theirs (the server wrote the admin key through it) or a `binding.key` of
 * their choosing (approval links are signed with a key derived from it). Key files are now
 * created O_EXCL|O_NOFOLLOW and read only when they are the server's own private regular files.
 * (A file or directory of another user needs root to create: see data/privateFile.test.ts.)
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDirWith(): Promise<{ dataDir: string; loot: string }> {
  const base = await mkdtemp(path.join(tmpdir(), 'aegis-planted-'));
  dirs.push(base);
  const dataDir = path.join(base, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  return { dataDir, loot: path.join(base, 'loot') };
}

describe('a planted admin.key symlink', () => {
  it('is refused at start-up, and the admin key is not written through it', async () => {
    const { dataDir, loot } = await dataDirWith();
    await writeFile(loot, '');
    await symlink(loot, path.join(dataDir, 'admin.key'));
    const error = await startTestServer({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as Error).message).toMatch(/admin\.key is a symbolic link/);
    expect(await readFile(loot, 'utf8')).toBe('');
  });

  it('dangling (pointing where the key would be created) is refused too', async () => {
    const { dataDir, loot } = await dataDirWith();
    await symlink(loot, path.join(dataDir, 'admin.key'));
    const error = await startTestServer({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    await expect(lstat(loot)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a planted binding.key', () => {
  it('as a symlink is refused: approval links are not signed with a key someone else chose', async () => {
    const { dataDir, loot } = await dataDirWith();
    await writeFile(loot, 'attacker-chosen-binding-key\n', { mode: 0o600 });
    await symlink(loot, path.join(dataDir, 'binding.key'));
    const error = await startTestServer({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as Error).message).toMatch(/binding\.key is a symbolic link/);
  });

  it('open to other users is refused with the chmod that fixes it', async () => {
    const { dataDir } = await dataDirWith();
    const file = path.join(dataDir, 'binding.key');
    await writeFile(file, 'k'.repeat(43) + '\n');
    await chmod(file, 0o644);
    const error = await startTestServer({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as Error).message).toMatch(/mode 644\): chmod 600/);
  });
});

describe('key files of our own', () => {
  it('are created 0600, and an old admin.key of ours is replaced on a fresh database', async () => {
    const { dataDir } = await dataDirWith();
    const old = path.join(dataDir, 'admin.key');
    await writeFile(old, 'aegis_old\n', { mode: 0o600 });
    const server = await startTestServer({ dataDir });
    try {
      expect(server.adminKey).not.toBe('aegis_old');
      for (const name of ['admin.key', 'binding.key'])
        expect((await lstat(path.join(dataDir, name))).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });
});
