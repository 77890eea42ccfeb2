import { HIDDEN_CHARS_WARNING, hasHiddenChars, revealHidden, type Approval } from '@aegis/shared';

// Hidden and direction-changing characters become visible `\uXXXX` before the HTML escape: the
// page must show the call as it will run, not as a U+202E makes it read.
const escape = (s: string) =>
  revealHidden(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A small self-contained page (the CSP forbids inline scripts; none are needed: a plain form). */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · Aegis</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#0f172a}
pre{background:#f1f5f9;padding:.75rem;border-radius:.5rem;overflow:auto}button{font-size:1rem;padding:.5rem 1.25rem;border-radius:.5rem;border:0;color:#fff;cursor:pointer}
.approve{background:#15803d}.deny{background:#b91c1c}.muted{color:#64748b}.warn{color:#b45309}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

export function messagePage(title: string, text: string): string {
  return page(title, `<p>${escape(text)}</p>`);
}

/** The confirmation page a link opens: the call, and one button that POSTs the decision. */
export function confirmPage(opts: {
  approval: Approval;
  decision: 'APPROVED' | 'DENIED';
  token: string;
  csrf: string | null;
  /** Who will be recorded, or null when the reader must sign in first. */
  as: string | null;
}): string {
  const { approval: a, decision } = opts;
  const verb = decision === 'APPROVED' ? 'Approve' : 'Deny';
  const details = `<p><strong>${escape(a.agent)}</strong> wants to run <strong>${escape(a.action)}</strong> (approval #${a.id}, rule ${escape(a.rule ?? 'default')}).</p>
${hasHiddenChars(JSON.stringify([a.agent, a.action, a.rule, a.args])) ? `<p class="warn"><strong>Warning: this call ${escape(HIDDEN_CHARS_WARNING)}.</strong></p>` : ''}
<p class="muted">Arguments, sensitive values masked:</p><pre>${escape(JSON.stringify(a.args, null, 2))}</pre>
${a.quorum && a.quorum > 1 ? `<p>Needs ${a.quorum} approvals from different people; so far: ${escape((a.votes ?? []).map((v) => v.by).join(', ') || 'none')}.</p>` : ''}
<p class="muted">Expires ${escape(a.expiresAt)}.</p>`;
  if (a.status !== 'PENDING') {
    return page(
      `Approval #${a.id}`,
      `${details}<p>Already ${a.status.toLowerCase()}${a.decidedBy ? ` by ${escape(a.decidedBy)}` : ''}.</p>`,
    );
  }
  if (!opts.as) {
    return page(
      `${verb} approval #${a.id}?`,
      `${details}<p>Sign in to the <a href="/login">dashboard</a> as a reviewer, then open this link again.</p>`,
    );
  }
  return page(
    `${verb} approval #${a.id}?`,
    `${details}<form method="post" action="/notify/decide">
<input type="hidden" name="t" value="${escape(opts.token)}">${opts.csrf ? `<input type="hidden" name="csrf" value="${escape(opts.csrf)}">` : ''}
<button class="${decision === 'APPROVED' ? 'approve' : 'deny'}" type="submit">${verb} as ${escape(opts.as)}</button></form>`,
  );
}
