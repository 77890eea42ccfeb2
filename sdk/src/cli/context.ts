import type { AegisApi } from '../transport';
import { CliError } from './errors';
import type { Output } from './output';

/** What every command gets: the typed client, the output, and its parsed arguments. */
export interface CommandContext {
  api: AegisApi;
  o: Output;
  url: string;
  /** The key the transport uses, for the few plain-HTTP routes (the audit export). */
  apiKey?: string;
  /** Positional arguments after the command word(s). */
  args: string[];
  options: {
    limit?: string;
    follow?: boolean;
    role?: string;
    agents?: string;
    name?: string;
    remember?: boolean;
    reason?: string;
    all?: boolean;
    /** Policy commands: files or directories (-f, repeatable). */
    file?: string[];
    'dry-run'?: boolean;
    /** -o yaml|json */
    output?: string;
    /** -m: why, kept with the new version */
    message?: string;
    global?: boolean;
    /** audit verify [--file]: a head hash noted apart from the server (and the file). */
    head?: string;
    /** audit verify [--file]: the outcome chain's head hash noted apart from the server (and the file). */
    'outcome-head'?: string;
    since?: string;
    /** logs: the Activity filter (the dashboard's URL parameters) */
    until?: string;
    agent?: string;
    status?: string;
    source?: string;
    action?: string;
    rule?: string;
    detector?: string;
    run?: string;
    q?: string;
    /** channels add: the channel's kind and target. */
    webhook?: string;
    slack?: string;
    email?: string;
    'signing-secret'?: string;
  };
}

/** A command returns its exit code (0 when it returns nothing). */
export type Command = (ctx: CommandContext) => Promise<number | void>;

/** The n-th positional argument, or a usage error naming it. */
export function required(ctx: CommandContext, index: number, what: string): string {
  const value = ctx.args[index];
  if (!value) throw new CliError(`missing ${what}; see \`aegis help\``);
  return value;
}

/** A positive integer argument (approval ids, limits), or a usage error. */
export function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new CliError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}
