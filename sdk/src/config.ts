import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The server's default address when neither `url` nor `AEGIS_URL` is given. */
export const DEFAULT_URL = 'http://127.0.0.1:8000';

/** `url` option, else `AEGIS_URL`, else http://127.0.0.1:8000. */
export function resolveUrl(url?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = url ?? env.AEGIS_URL ?? DEFAULT_URL;
  return chosen.replace(/\/+$/, '');
}

/** Where the server keeps its data and writes its first admin key. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AEGIS_DATA_DIR ?? '.aegis');
}

/** The admin key the server writes on first start (mode 0600): the zero-config local path. */
export function adminKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'admin.key');
}

/**
 * `apiKey` option, else `AEGIS_API_KEY`, else the contents of the file `AEGIS_API_KEY_FILE` names
 * (an error when it can't be read: it was asked for), else the contents of
 * `<AEGIS_DATA_DIR or ./.aegis>/admin.key`, else undefined (the caller decides whether that is an
 * error). A key file keeps the key out of the process's environment, which every process of the
 * same OS user can read in /proc.
 */
export function resolveApiKey(
  apiKey?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (apiKey) return apiKey;
  if (env.AEGIS_API_KEY) return env.AEGIS_API_KEY;
  if (env.AEGIS_API_KEY_FILE) return keyFromFile(env.AEGIS_API_KEY_FILE);
  try {
    const fromFile = readFileSync(adminKeyPath(env), 'utf8').trim();
    return fromFile || undefined;
  } catch {
    return undefined;
  }
}

function keyFromFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`AEGIS_API_KEY_FILE ${file}: ${(error as Error).message}`);
  }
  if (!text) throw new Error(`AEGIS_API_KEY_FILE ${file} is empty`);
  return text;
}
