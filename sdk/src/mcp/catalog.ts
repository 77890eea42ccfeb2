import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { nameMatcher } from '@aegis/shared';
import type { ToolMeta } from '../types';
import type { UpstreamSpec } from './config';
import { relayedPart } from './pins';

/** One upstream tool as the gateway offers it. */
export interface CatalogTool {
  /** The name clients see and call. */
  exposed: string;
  upstream: string;
  /** The upstream's own name for it. */
  name: string;
  /** What Aegis decides on. */
  action: string;
  meta: ToolMeta;
  definition: Tool;
  /**
   * Other tools of the same upstream whose action is this one's too (`read balance` and
   * `read_balance` both become `bank.read_balance`): set only when this tool's action was derived
   * from its name. Such a tool would inherit the other's rules and the record could not tell which
   * one ran, so the gateway neither offers nor calls it.
   */
  sharesActionWith?: string[];
}

const ACTION_CHARS = /[^A-Za-z0-9_.:/-]/g;

/** `server.tool`, with characters an action name can't hold replaced. */
export function defaultAction(upstream: string, tool: string): string {
  return `${upstream}.${tool}`.replace(ACTION_CHARS, '_').slice(0, 128);
}

/**
 * Tags from MCP tool annotations. They are the upstream's own hints, so the spec's defaults
 * apply when a hint is missing: a tool is destructive unless it says it is read-only or not
 * destructive, and reaches outside (open world) unless it says it doesn't.
 */
export function annotationTags(a: ToolAnnotations | undefined): string[] {
  const tags: string[] = [];
  if (a?.readOnlyHint === true) tags.push('read-only');
  else if (a?.destructiveHint !== false) tags.push('destructive');
  if (a?.openWorldHint !== false) tags.push('external');
  return tags;
}

/** Exposed name → tool, built from each upstream's list and its config. */
export function catalogue(
  upstream: string,
  spec: Pick<UpstreamSpec, 'tools' | 'ignoreAnnotations'>,
  prefix: string,
  tools: Tool[],
): CatalogTool[] {
  const listed = tools.map((tool) => {
    const mapping = spec.tools[tool.name];
    const tags = new Set([
      ...(spec.ignoreAnnotations ? [] : annotationTags(tool.annotations)),
      ...(mapping?.tags ?? []),
    ]);
    const exposed = `${prefix}${tool.name}`;
    return {
      exposed,
      upstream,
      name: tool.name,
      action: mapping?.action ?? defaultAction(upstream, tool.name),
      meta: {
        tags: [...tags],
        ...(tool.description ? { description: tool.description.slice(0, 2000) } : {}),
      },
      // Only the pinned fields: an unpinned one could change under the pin and reach the model.
      definition: { ...relayedPart(tool), name: exposed },
      derived: !mapping?.action,
    };
  });
  const byAction = new Map<string, string[]>();
  for (const t of listed) byAction.set(t.action, [...(byAction.get(t.action) ?? []), t.name]);
  return listed.map(({ derived, ...tool }) => {
    const others = (byAction.get(tool.action) ?? []).filter((name) => name !== tool.name);
    return derived && others.length > 0 ? { ...tool, sharesActionWith: others } : tool;
  });
}

/** A predicate for an allow-list of exposed tool names (`*` and `?` globs); no list allows all. */
export function toolFilter(list: readonly string[] | undefined): (exposed: string) => boolean {
  return list ? nameMatcher(list) : () => true;
}
