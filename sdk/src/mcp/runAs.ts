import { execFileSync } from 'node:child_process';

/** The OS user (and group) an upstream runs as: `user`/`group` of a stdio upstream. */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * The uid/gid for `user`/`group` (names or numbers), or null when neither is set. Only a gateway
 * running as root can start a process as another user; anywhere else this says so rather than
 * quietly running the upstream as ourselves. `ownUid` is undefined where there are no uids.
 */
export function resolveRunAs(
  name: string,
  spec: { user?: string | number; group?: string | number },
  ownUid: number | undefined = process.getuid?.(),
): RunAs | null {
  if (spec.user === undefined && spec.group === undefined) return null;
  if (ownUid !== 0)
    throw new Error(
      `upstream "${name}": user/group need the gateway to run as root (it runs as uid ${ownUid ?? 'n/a'}); ` +
        `otherwise launch it through a wrapper, e.g. command: sudo, args: [-u, mcpuser, --, …]`,
    );
  // A group alone would run the upstream as root with another gid: never what isolation wants.
  if (spec.user === undefined)
    throw new Error(`upstream "${name}": group needs a user too (the upstream would run as root)`);
  const user = spec.user;
  const uid = typeof user === 'number' ? user : lookUp(name, 'user', user, ['id', '-u', user]);
  // No group: the user's own primary group, looked up — never the number of the uid, which on
  // many hosts is some other group (docker's, say).
  const gid =
    typeof spec.group === 'number'
      ? spec.group
      : spec.group !== undefined
        ? lookUp(
            name,
            'group',
            spec.group,
            ['getent', 'group', spec.group],
            (out) => out.split(':')[2],
          )
        : lookUp(name, 'user', String(user), ['id', '-g', String(user)]);
  return { uid, gid };
}

function lookUp(
  upstream: string,
  what: string,
  value: string,
  [command, ...args]: string[],
  pick: (out: string) => string | undefined = (out) => out,
): number {
  let out = '';
  try {
    out = execFileSync(command ?? '', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    // an unknown name: the error below says which
  }
  const id = Number(pick(out.trim()));
  if (out.trim() === '' || !Number.isInteger(id) || id < 0)
    throw new Error(`upstream "${upstream}": no ${what} "${value}" on this machine`);
  return id;
}

/**
 * A small node program that becomes `uid`/`gid` (groups dropped) and runs the upstream, passing
 * its exit code and signals along. The MCP SDK's stdio transport spawns a plain command, so the
 * switch happens in this launcher; after it, nothing of root's remains in the upstream's process.
 */
const LAUNCHER = `
const [uid, gid, command, ...args] = process.argv.slice(1);
process.setgroups([Number(gid)]);
process.setgid(Number(gid));
process.setuid(Number(uid));
const child = require('node:child_process').spawn(command, args, { stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
child.on('error', (e) => { process.stderr.write('could not start ' + command + ': ' + e.message + '\\n'); process.exit(127); });
child.on('exit', (code) => process.exit(code ?? 1));
`;

/** The command line that runs `command args` as `runAs`. */
export function commandAs(
  runAs: RunAs,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: ['-e', LAUNCHER, '--', String(runAs.uid), String(runAs.gid), command, ...args],
  };
}
