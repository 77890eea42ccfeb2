import type { RouterInputs } from '@aegis/server';
import { required, type Command } from '../context';
import { CliError } from '../errors';
import { paint, shortTime, table } from '../output';

type Role = RouterInputs['keys']['create']['role'];
// A Record over the contract's Role type: adding a role to the contract makes this fail to compile.
// (Kept as a type-level tie rather than importing the zod schema, so the CLI starts faster.)
const roles: Record<Role, true> = { admin: true, reviewer: true, viewer: true, agent: true };
const isRole = (value: string | undefined): value is Role =>
  value !== undefined && Object.hasOwn(roles, value);

/** `aegis keys create --role R [--agents a,b] [--name N]`: prints the new key once. */
export const keysCreate: Command = async ({ api, o, options }) => {
  const role = options.role;
  if (!isRole(role)) throw new CliError(`--role must be one of ${Object.keys(roles).join(', ')}`);
  const agents = options.agents
    ? options.agents
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
    : null;
  if (role === 'agent' && !agents?.length)
    throw new CliError('an agent key needs --agents a,b (the agents it may act as)');
  const name = options.name ?? (agents ? `${role}:${agents.join(',')}` : `${role} key`);
  const created = await api.keys.create.mutate({ name, role: role, agents });
  if (o.json) return o.out(JSON.stringify(created, null, 2));
  o.out(
    `Created ${created.info.role} key ${created.info.id} (${created.info.name}). It is shown only this once:`,
  );
  o.out(paint(o, 'bold', created.key));
};

/** `aegis keys list`. */
export const keysList: Command = async ({ api, o }) => {
  const keys = await api.keys.list.query();
  if (o.json) return o.out(JSON.stringify(keys, null, 2));
  table(
    o,
    ['ID', 'NAME', 'ROLE', 'AGENTS', 'CREATED (UTC)', 'LAST USED (UTC)', 'REVOKED'],
    keys.map((k) => [
      k.id,
      k.name,
      k.role,
      k.agents?.join(',') ?? '*',
      shortTime(k.createdAt),
      shortTime(k.lastUsedAt),
      k.revokedAt ? paint(o, 'red', shortTime(k.revokedAt)) : '-',
    ]),
  );
};

/**
 * `aegis keys signout`: ends every dashboard session opened with this key (a browser left signed
 * in elsewhere, a copied cookie) without revoking it; with the admin key, every session the
 * start-up login link opened.
 */
export const keysSignout: Command = async ({ api, o }) => {
  const out = await api.auth.logout.mutate({ everywhere: true });
  if (o.json) return o.out(JSON.stringify(out, null, 2));
  o.out(
    `Ended ${out.ended} dashboard session${out.ended === 1 ? '' : 's'} of this key; the key still works.`,
  );
};

/** `aegis keys revoke <id>`. */
export const keysRevoke: Command = async (ctx) => {
  const id = required(ctx, 0, 'key id');
  const info = await ctx.api.keys.revoke.mutate({ id });
  if (ctx.o.json) return ctx.o.out(JSON.stringify(info, null, 2));
  ctx.o.out(`Revoked key ${info.id} (${info.name}).`);
};
