import { createHash } from 'node:crypto';
import {
  canonicalJson,
  DomainError,
  mayActAs,
  type AcceptPinInput,
  type PinCheckInput,
  type PinCheckResult,
  type Principal,
  type ToolPin,
} from '@aegis/shared';
import type { ServiceDeps } from './deps';
import { notYourAgent } from './errors';

export interface ToolPinService {
  /** A gateway's tools/list against the pins: a first list pinned, changed and later-added tools held. */
  check(input: PinCheckInput, actor: Principal): Promise<PinCheckResult>;
  list(filter: { agent?: string; upstream?: string; changedOnly?: boolean }): Promise<ToolPin[]>;
  /** An admin accepts the changed version they looked at (of one agent's pin, or of every pin holding it). */
  accept(input: AcceptPinInput, actor: Principal): Promise<ToolPin>;
}

/**
 * Pins live in the database so every gateway of an agent, on every machine, holds the same tools.
 * They are kept per agent: an agent key reads and writes only its own agent's pins, so it can
 * neither pre-pin a definition another agent's gateways then trust nor make their real tool look
 * changed. The server hashes what it is sent (a gateway's own hash is not trusted), and records
 * the governance events in the audit trail: a change or a later-added tool seen (VIOLATION, once
 * per new version, for the agent whose gateway saw it) and a person's acceptance.
 */
export function createToolPinService({ repos }: Pick<ServiceDeps, 'repos'>): ToolPinService {
  return {
    async check(input, actor) {
      if (!mayActAs(actor, input.agent)) throw notYourAgent(input.agent);
      const now = new Date();
      const seen = input.tools.map((t) => {
        const json = canonicalJson(t.definition);
        return { name: t.name, json, hash: createHash('sha256').update(json).digest('hex') };
      });
      const outcome = await repos.toolPins.check(input.agent, input.upstream, seen, now, {
        holdFirstList: input.holdFirstList,
      });
      await Promise.all(
        outcome.newlyHeld.map((change) =>
          repos.audit.write({
            timestamp: now,
            agent: input.agent,
            action: `${input.upstream}.${change.tool}`,
            status: 'VIOLATION',
            source: 'server',
            actor: actor.name,
            details:
              change.was === null
                ? `MCP tool "${change.tool}" of upstream "${input.upstream}" is new: it was not in the tools this agent's gateways pinned; hidden and refused until an admin accepts it`
                : `MCP tool "${change.tool}" of upstream "${input.upstream}" changed since it was pinned (its description, title, schemas, annotations, icons or _meta); hidden and refused until an admin accepts the new version`,
            callId: null,
            approvalId: null,
            argsPreview: canonicalJson({ pinned: change.was, seen: change.now }),
          }),
        ),
      );
      return {
        held: outcome.held,
        // Only when there are any: a list without new tools answers as before.
        ...(outcome.heldNew.length > 0 ? { heldNew: outcome.heldNew } : {}),
        added: outcome.added,
      };
    },

    list: (filter) => repos.toolPins.list(filter),

    async accept(input, actor) {
      const accepted = await repos.toolPins.accept(
        input.agent,
        input.upstream,
        input.tool,
        input.hash,
        actor.name,
        new Date(),
      );
      const first = accepted[0]?.pin;
      if (!first) {
        throw new DomainError(
          'ALREADY_DECIDED',
          `No changed version ${input.hash.slice(0, 12)}… of "${input.upstream}.${input.tool}" is waiting${input.agent ? ` for agent "${input.agent}"` : ''}: it was accepted already, or the tool changed again (look at the new diff)`,
        );
      }
      await Promise.all(
        accepted.map(({ pin, wasNew }) =>
          repos.audit.write({
            timestamp: new Date(),
            agent: pin.agent ?? '',
            action: `${input.upstream}.${input.tool}`,
            status: 'POLICY',
            source: 'person',
            actor: actor.name,
            details: `${actor.name} accepted the ${wasNew ? 'new' : 'changed'} MCP tool "${input.tool}" of upstream "${input.upstream}" ${pin.agent ? `for agent "${pin.agent}"` : '(pinned before pins were per agent)'}; its gateways offer it again`,
            callId: null,
            approvalId: null,
            argsPreview: canonicalJson({ accepted: input.hash }),
          }),
        ),
      );
      return first;
    },
  };
}
