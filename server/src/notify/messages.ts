import { HIDDEN_CHARS_WARNING, hasHiddenChars, revealHidden, type Approval } from '@aegis/shared';

/** The links a message offers: approve and deny (signed, single-use), and the dashboard. */
export interface MessageLinks {
  approve: string;
  deny: string;
  dashboard: string;
}

export type MessageEvent = 'approval.opened' | 'approval.escalated' | 'test';

/** The JSON a generic webhook receives (signed: see README "Get approvals in chat and e-mail"). */
export function webhookPayload(
  event: MessageEvent,
  deliveryId: string,
  approval: Approval | null,
  links: MessageLinks | null,
) {
  return {
    type: event,
    deliveryId,
    approval: approval && {
      id: approval.id,
      agent: approval.agent,
      action: approval.action,
      args: approval.args,
      rule: approval.rule ?? null,
      reason: approval.reason ?? null,
      detectors: approval.detectors ?? [],
      auditId: approval.auditId ?? null,
      quorum: approval.quorum ?? 1,
      createdAt: approval.createdAt,
      expiresAt: approval.expiresAt,
    },
    links,
  };
}

/**
 * Text from the agent (names, arguments, the rule id) as a reviewer should read it: hidden and
 * direction-changing characters as `\uXXXX`, and no line breaks of its own (a CR/LF or U+2028 in
 * a value could otherwise start a line of the e-mail, or a header when it reaches the Subject).
 */
const shown = (text: string) => revealHidden(text).replace(/[\r\n\u0085]/g, ' ');

/** The arguments as indented JSON, hidden characters escaped (still valid JSON of the same value). */
const argsJson = (a: Approval, indent: number) =>
  revealHidden(JSON.stringify(a.args, null, indent));

/** Said wherever the call's text had hidden characters, so the escapes are not taken as noise. */
function hiddenWarning(a: Approval): string | null {
  const any = [a.agent, a.action, a.rule ?? '', a.reason ?? '', JSON.stringify(a.args)].some(
    hasHiddenChars,
  );
  return any ? `Warning: this call ${HIDDEN_CHARS_WARNING}.` : null;
}

/** Why the call was held, as the rule said it (values masked), and which DLP detectors fired. */
function why(a: Approval): string | null {
  if (!a.reason) return null;
  const found = a.detectors?.length ? ` (DLP found: ${a.detectors.join(', ')})` : '';
  return shown(`${a.reason}${found}`);
}

function headline(event: MessageEvent, a: Approval): string {
  const what = `${shown(a.agent)} wants to run ${shown(a.action)} (approval #${a.id})`;
  return event === 'approval.escalated' ? `Escalated: not decided in time: ${what}` : what;
}

/**
 * Slack's mrkdwn reads `<…>` as links and mentions (`<!channel>`, `<https://…|label>`) even in a
 * code block: its docs ask for &, < and > to be escaped in any text. Every value from the agent
 * passes through here; the buttons are built from server values only.
 */
const mrkdwn = (text: string) =>
  text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

const fence = (json: string) => '```' + mrkdwn(json).replace(/```/g, "'''") + '```';

/**
 * A Slack-compatible incoming-webhook message: the call summary, masked arguments, the rule and
 * buttons. With the app's signing secret stored, the buttons carry signed tokens and decide
 * through the interactive endpoint; without it they open the confirmation page.
 */
export function slackMessage(
  event: MessageEvent,
  approval: Approval | null,
  links: MessageLinks | null,
  buttons: { approve: string; deny: string } | null,
) {
  if (!approval || !links) return { text: 'Aegis: this channel works.' };
  const args = argsJson(approval, 1);
  const warning = hiddenWarning(approval);
  return {
    // The notification fallback text is mrkdwn as well.
    text: mrkdwn(headline(event, approval)),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${mrkdwn(headline(event, approval))}*` } },
      ...(warning
        ? [{ type: 'section', text: { type: 'mrkdwn', text: `:warning: *${warning}*` } }]
        : []),
      ...(why(approval)
        ? [
            {
              type: 'section',
              text: { type: 'mrkdwn', text: `*Why it is held*\n${mrkdwn(why(approval) ?? '')}` },
            },
          ]
        : []),
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Agent*\n${mrkdwn(shown(approval.agent))}` },
          { type: 'mrkdwn', text: `*Action*\n${mrkdwn(shown(approval.action))}` },
          { type: 'mrkdwn', text: `*Rule*\n${mrkdwn(shown(approval.rule ?? 'default'))}` },
          { type: 'mrkdwn', text: `*Expires*\n${mrkdwn(approval.expiresAt)}` },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Arguments (masked)*\n${fence(args.length > 2500 ? `${args.slice(0, 2500)}…` : args)}`,
        },
      },
      {
        type: 'actions',
        block_id: `aegis_approval_${approval.id}`,
        elements: [
          button(
            'Approve',
            'aegis_approve',
            'primary',
            buttons ? { value: buttons.approve } : { url: links.approve },
          ),
          button(
            'Deny',
            'aegis_deny',
            'danger',
            buttons ? { value: buttons.deny } : { url: links.deny },
          ),
          button('Open in Aegis', 'aegis_open', undefined, { url: links.dashboard }),
        ],
      },
    ],
  };
}

function button(
  text: string,
  actionId: string,
  style: 'primary' | 'danger' | undefined,
  target: { value: string } | { url: string },
) {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    ...(style ? { style } : {}),
    ...target,
  };
}

/** One reviewer's e-mail: links signed for them, so they can decide without signing in. */
export function emailMessage(
  event: MessageEvent,
  approval: Approval | null,
  links: MessageLinks | null,
) {
  if (!approval || !links)
    return { subject: '[Aegis] test message', text: 'Aegis: this channel works.' };
  const args = argsJson(approval, 2);
  const warning = hiddenWarning(approval);
  const subject = `[Aegis] ${headline(event, approval)}`;
  const text = [
    headline(event, approval),
    ...(warning ? ['', warning] : []),
    '',
    `Rule: ${shown(approval.rule ?? 'default')}`,
    ...(why(approval) ? [`Why it is held: ${why(approval)}`] : []),
    `Expires: ${approval.expiresAt}`,
    ...(approval.quorum && approval.quorum > 1
      ? [`Needs ${approval.quorum} approvals from different people`]
      : []),
    '',
    'Arguments (sensitive values masked):',
    args,
    '',
    `Approve: ${links.approve}`,
    `Deny: ${links.deny}`,
    `Dashboard: ${links.dashboard}`,
    '',
    'Each link opens a confirmation page; nothing is decided until you confirm there.',
  ].join('\n');
  return { subject, text };
}
