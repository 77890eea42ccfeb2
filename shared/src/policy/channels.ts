import type { PolicyDocument } from '../schemas/policyRules';

/** One place a rule names a notification channel: `notify: [...]` or `approval.escalate: [...]`. */
export interface ChannelUse {
  ruleId: string;
  /** The rule's position in its document. */
  order: number;
  field: 'notify' | 'escalate';
  /** The name's position in its list. */
  index: number;
  channel: string;
}

/** Every channel name a policy document's rules write, in document order. */
export function channelUses(document: PolicyDocument): ChannelUse[] {
  const uses: ChannelUse[] = [];
  document.rules.forEach((rule, order) => {
    (rule.notify ?? []).forEach((channel, index) =>
      uses.push({ ruleId: rule.id, order, field: 'notify', index, channel }),
    );
    (rule.approval?.escalate ?? []).forEach((channel, index) =>
      uses.push({ ruleId: rule.id, order, field: 'escalate', index, channel }),
    );
  });
  return uses;
}

/** Where a use sits in the document, for a problem's position. */
export const channelUsePath = (use: ChannelUse): (string | number)[] =>
  use.field === 'notify'
    ? ['rules', use.order, 'notify', use.index]
    : ['rules', use.order, 'approval', 'escalate', use.index];

/**
 * Said when a rule names a channel nobody added: a rule saved that way would only fail at its
 * first delivery, when nobody is watching the delivery log.
 */
export function unknownChannelMessage(channel: string): string {
  return (
    `channel "${channel}" does not exist: add it first with ` +
    `\`aegis channels add ${channel} --webhook URL | --slack URL | --email a@x,b@y\` ` +
    `(\`aegis channels list\` shows the channels there are), or take it out of the rule`
  );
}
