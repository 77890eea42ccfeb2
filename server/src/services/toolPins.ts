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
  /** A gateway's tools/list against the pins: new tools pinned, changed ones held. */
  check(input: PinCheckInput, actor: Principal): Promise<PinCheckResult>;
  list(filter: { upstream?: string; changedOnly?: boolean }): Promise<ToolPin[]>;
  /** An admin accepts the changed version they looked at. */
  accept(input: AcceptPinInput, actor: Principal): Promise<ToolPin>;
}

/**
 * Pins live in the database so every gateway, on every machine, holds the same tools. The server
 * hashes what it is sent (a gateway's own hash is not trusted), and records the governance events
 * in the audit trail: a change seen (VIOLATION, once per new version) and a person's acceptance.
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
      const outcome = await repos.toolPins.check(input.upstream, seen, input.agent, now);
      await Promise.all(
        outcome.newlyHeld.map((change) =>
          repos.audit.write({
            timestamp: now,
            agent: input.agent,
            action: `${input.upstream}.${change.tool}`,
            status: 'VIOLATION',
            source: 'server',
            actor: actor.name,
            details: `MCP tool "${change.tool}" of upstream "${input.upstream}" changed since it was pinned (description, schema or annotations); hidden and refused until an admin accepts the new version`,
            callId: null,
            approvalId: null,
            argsPreview: canonicalJson({ pinned: change.was, seen: change.now }),
          }),
        ),
      );
      return { held: outcome.held, added: outcome.added };
    },

    list: (filter) => repos.toolPins.list(filter),

    async accept(input, actor) {
      const accepted = await repos.toolPins.accept(
        input.upstream,
        input.tool,
        input.hash,
        actor.name,
        new Date(),
      );
      if (!accepted) {
        throw new DomainError(
          'ALREADY_DECIDED',
          `No changed version ${input.hash.slice(0, 12)}… of "${input.upstream}.${input.tool}" is waiting: it was accepted already, or the tool changed again (look at the new diff)`,
        );
      }
      await repos.audit.write({
        timestamp: new Date(),
        agent: '',
        action: `${input.upstream}.${input.tool}`,
        status: 'POLICY',
        source: 'person',
        actor: actor.name,
        details: `${actor.name} accepted the changed MCP tool "${input.tool}" of upstream "${input.upstream}"; gateways offer it again`,
        callId: null,
        approvalId: null,
        argsPreview: canonicalJson({ accepted: input.hash }),
      });
      return accepted;
    },
  };
}
