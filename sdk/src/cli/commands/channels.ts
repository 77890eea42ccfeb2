import type { RouterInputs } from '@aegis/server';
import { required, positiveInt, type Command } from '../context';
import { CliError } from '../errors';
import { paint, shortTime, table } from '../output';

type CreateChannel = RouterInputs['channels']['create'];

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * `aegis channels add NAME --webhook URL | --slack URL [--signing-secret S] | --email a@x,b@y
 * [--agents a,b]`: prints a webhook's signing secret once.
 */
export const channelsAdd: Command = async (ctx) => {
  const name = required(ctx, 0, 'channel name');
  const { options: opt } = ctx;
  const agents = list(opt.agents);
  const kinds = [opt.webhook, opt.slack, opt.email].filter((v) => v !== undefined);
  if (kinds.length !== 1)
    throw new CliError('give exactly one of --webhook URL, --slack URL or --email a@x,b@y');
  const input: CreateChannel = opt.webhook
    ? { name, kind: 'webhook', url: opt.webhook, agents }
    : opt.slack
      ? { name, kind: 'slack', url: opt.slack, signingSecret: opt['signing-secret'], agents }
      : { name, kind: 'email', to: list(opt.email) ?? [], agents };
  const created = await ctx.api.channels.create.mutate(input);
  if (ctx.o.json) return ctx.o.out(JSON.stringify(created, null, 2));
  ctx.o.out(
    `Created ${created.channel.kind} channel ${created.channel.name} → ${created.channel.target}.`,
  );
  if (created.secret) {
    ctx.o.out('Its signing secret (verify X-Aegis-Signature with it) is shown only this once:');
    ctx.o.out(paint(ctx.o, 'bold', created.secret));
  }
};

/** `aegis channels list`. */
export const channelsList: Command = async ({ api, o }) => {
  const channels = await api.channels.list.query();
  if (o.json) return o.out(JSON.stringify(channels, null, 2));
  table(
    o,
    ['NAME', 'KIND', 'TARGET', 'AGENTS', 'CREATED (UTC)', 'BY'],
    channels.map((c) => [
      c.name,
      c.kind + (c.interactive ? ' (buttons)' : ''),
      c.target,
      c.agents.join(',') || '-',
      shortTime(c.createdAt),
      c.createdBy,
    ]),
  );
};

/** `aegis channels remove NAME`: its links stop working too. */
export const channelsRemove: Command = async (ctx) => {
  const name = required(ctx, 0, 'channel name');
  await ctx.api.channels.remove.mutate({ name });
  ctx.o.out(`Removed channel ${name}.`);
};

/** `aegis channels test NAME`: queues a test message; `channels deliveries NAME` shows how it went. */
export const channelsTest: Command = async (ctx) => {
  const name = required(ctx, 0, 'channel name');
  await ctx.api.channels.test.mutate({ name });
  ctx.o.out(`Queued a test message on ${name}; see \`aegis channels deliveries ${name}\`.`);
};

/** `aegis channels deliveries [NAME] [-n N]`: the delivery log, newest first. */
export const channelsDeliveries: Command = async (ctx) => {
  const limit = ctx.options.limit ? positiveInt(ctx.options.limit, '--limit') : 20;
  const rows = await ctx.api.channels.deliveries.query({ channel: ctx.args[0], limit });
  if (ctx.o.json) return ctx.o.out(JSON.stringify(rows, null, 2));
  table(
    ctx.o,
    ['CREATED (UTC)', 'CHANNEL', 'EVENT', 'APPROVAL', 'STATUS', 'ATTEMPTS', 'LAST ERROR'],
    rows.map((d) => [
      shortTime(d.createdAt),
      d.channel,
      d.event,
      d.approvalId === null ? '-' : `#${d.approvalId}`,
      d.status === 'failed' ? paint(ctx.o, 'red', d.status) : d.status,
      String(d.attempts),
      d.lastError ?? '-',
    ]),
  );
};
