import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { slackSignature, safeEqualText, unseal } from './crypto';
import { checkToken, decideOnce, type NotifyRouteDeps } from './http';

/** Slack refuses requests older than five minutes; so do we (a replayed request is stale). */
const MAX_SKEW_S = 300;

const blockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: z.string().min(1).max(64),
    username: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
  }),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() }))
    .min(1),
});

/**
 * Slack's interactive callback: the request is verified with the channel's signing secret (v0
 * HMAC over `v0:<timestamp>:<body>`, timestamp within five minutes), then the button's signed
 * token decides the approval as the Slack user who clicked.
 */
export function slackActions(d: NotifyRouteDeps): RequestHandler {
  return async function slackCallback(req: Request, res: Response) {
    const channel = await d.store.channel(String(req.params.channel));
    if (!channel || channel.kind !== 'slack' || !channel.secret)
      return void res.status(404).json({ error: 'no interactive Slack channel by that name' });
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const timestamp = req.header('x-slack-request-timestamp') ?? '';
    const signature = req.header('x-slack-signature') ?? '';
    const age = Math.abs(Date.now() / 1000 - Number(timestamp));
    if (!/^\d{1,12}$/.test(timestamp) || !(age <= MAX_SKEW_S))
      return void res.status(401).json({ error: 'stale or missing timestamp' });
    if (
      !safeEqualText(signature, slackSignature(unseal(d.keys.seal, channel.secret), timestamp, raw))
    ) {
      return void res.status(401).json({ error: 'bad signature' });
    }
    let payload: z.infer<typeof blockActions>;
    try {
      payload = blockActions.parse(JSON.parse(new URLSearchParams(raw).get('payload') ?? ''));
    } catch {
      return void res.status(400).json({ error: 'expected a block_actions payload' });
    }
    const action = payload.actions[0]!;
    if (action.action_id === 'aegis_open' || !action.value) return void res.json({ text: 'ok' });
    const checked = await checkToken(d, action.value);
    if (!checked.ok || checked.claims.c !== channel.name) {
      return void res.json({
        response_type: 'ephemeral',
        replace_original: false,
        text: checked.ok ? 'This button belongs to another channel.' : checked.reason,
      });
    }
    // Slack's user id, never the name: a person can rename themselves between two clicks, and a
    // name counted once per vote would let one person fill a quorum alone.
    const person = `slack:${payload.user.id}`;
    const actor = {
      keyId: `slack:${channel.name}`,
      name: person,
      role: 'reviewer' as const,
      agents: null,
    };
    const result = await decideOnce(d, checked.claims, actor, `slack:${channel.name}`);
    // Slack shows the text to the person who clicked; a refusal is an answer, not an HTTP error.
    res.json({
      response_type: 'ephemeral',
      replace_original: false,
      text: result.ok ? result.message : result.reason,
    });
  };
}
