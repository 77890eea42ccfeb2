import { stringify } from 'yaml';
import type { ExportRow } from '../data/repos/export.repo';
import { yieldSlices } from '../services/yieldSlices';
import { jsonPieces } from './jsonPieces';
import type { ReportHead } from './report';
import { batched, cellText, type Sink } from './sink';

/**
 * The report as JSON, YAML, Markdown, and the audit trail alone as CSV. Each writes the head,
 * then streams the trail entry by entry, so memory stays flat whatever the range.
 */

export const CSV_COLUMNS = [
  'id',
  'timestamp',
  'agent',
  'action',
  'status',
  'source',
  'actor',
  'rule',
  'details',
  'argsPreview',
  'outcome',
  'prevHash',
  'hash',
] as const;

const csvCell = (v: unknown) => {
  const s = cellText(v);
  // A leading = + - @ would be run as a formula by spreadsheets (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export async function writeCsv(entries: AsyncIterable<ExportRow>, sink: Sink): Promise<number> {
  const out = batched(sink);
  await out.add(`${CSV_COLUMNS.join(',')}\n`);
  let n = 0;
  for await (const e of entries) {
    await out.add(`${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\n`);
    n++;
  }
  await out.flush();
  return n;
}

export async function writeJson(
  head: ReportHead,
  entries: AsyncIterable<ExportRow>,
  sink: Sink,
): Promise<number> {
  const out = batched(sink);
  const tick = yieldSlices();
  // The head member by member (at a thousand agents it is tens of megabytes: one string of it
  // held the thread for seconds), other requests answered between slices. Its last piece, the
  // closing brace, is held back: the streamed trail takes its place.
  let held: string | null = null;
  for (const piece of jsonPieces(head)) {
    if (held !== null) {
      await out.add(held);
      await tick();
    }
    held = piece;
  }
  await out.add(',\n  "auditTrail": [');
  let n = 0;
  for await (const e of entries) {
    await out.add(`${n ? ',' : ''}\n    ${JSON.stringify(e)}`);
    n++;
  }
  await out.add(`${n ? '\n  ' : ''}]\n}\n`);
  await out.flush();
  return n;
}

export async function writeYaml(
  head: ReportHead,
  entries: AsyncIterable<ExportRow>,
  sink: Sink,
): Promise<number> {
  const out = batched(sink);
  const tick = yieldSlices();
  // Like the JSON head: a list member at a time, never the whole head as one document.
  for (const [key, value] of Object.entries(head) as Array<[string, unknown]>) {
    if (Array.isArray(value) && value.length > 0) {
      await out.add(`${key}:\n`);
      for (const member of value as unknown[]) {
        await out.add(listItem(member));
        await tick();
      }
    } else await out.add(stringify({ [key]: value }, { lineWidth: 0 }));
    await tick();
  }
  await out.add('auditTrail:\n');
  let n = 0;
  for await (const e of entries) {
    await out.add(listItem(e));
    n++;
  }
  if (!n) await out.add('  []\n');
  await out.flush();
  return n;
}

/** One member of a list under a key, as YAML writes it there (`  - …`). */
const listItem = (member: unknown) =>
  stringify([member], { lineWidth: 0 }).replace(/^/gm, '  ').trimEnd() + '\n';

const HTML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/**
 * Text from data (an owner, a tool name, details an agent wrote) made inert in Markdown: HTML
 * specials become entities (no tags or event handlers reach a renderer) and inline Markdown
 * punctuation is escaped (no links, images, emphasis or code that forge what the report says,
 * e.g. a "[Chain verified ✔](…)" link). One line: a newline would end the table row.
 */
export function mdText(v: unknown): string {
  return (
    cellText(v)
      .replace(/\s+/g, ' ')
      .replace(/[&<>"]/g, (c) => HTML_ENTITY[c] ?? c)
      .replace(/[\\`*[\]()!~|#]/g, '\\$&')
      // `_` inside a word emphasises nothing (snake_case names stay readable); elsewhere it could
      .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
  );
}
const md = mdText;
const mdList = (items: readonly string[]) => items.map(mdText).join(', ');
const table = (headers: string[], rows: unknown[][]) =>
  `| ${headers.join(' | ')} |\n| ${headers.map(() => '---').join(' | ')} |\n${rows.map((r) => `| ${r.map(md).join(' | ')} |`).join('\n')}\n`;

/** The head as Markdown sections; shared by the Markdown format. */
export function markdownHead(h: ReportHead): string {
  const parts = [
    `# ${mdText(h.title)}\n`,
    `Generated ${mdText(h.generatedAt)} by ${mdText(h.generatedBy)}, for ${mdText(h.range.from)} – ${mdText(h.range.to)}; agents: ${mdList(h.agents) || 'none'}.\n`,
    `## Audit chain\n`,
    h.chain.ok
      ? `Verified: ${h.chain.checked} entries, chain intact. Head: entry ${h.chain.headId ?? '–'}, hash \`${h.chain.headHash ?? '–'}\`. Outcome chain head: record ${h.verification.outcomeHead.id ?? '–'}, hash \`${h.verification.outcomeHead.hash ?? '–'}\`.\n`
      : `**Broken** at entry ${mdText(h.chain.firstBad?.id)}: ${mdText(h.chain.firstBad?.reason)}. Head hash \`${h.chain.headHash ?? '–'}\`.\n`,
    `## Fact sheets\n`,
    table(
      [
        'Agent',
        'Owner',
        'Team',
        'Status',
        'Model',
        'Tools',
        'Calls',
        'Blocked',
        'Data seen',
        'Open violations (c/h/m/l)',
        'Last seen',
      ],
      h.factSheets.map((f) => [
        f.agent,
        f.owner,
        f.team,
        f.status,
        f.model,
        f.tools,
        f.calls,
        f.blocked,
        f.dataSeen.join(', '),
        `${f.openViolations.critical}/${f.openViolations.high}/${f.openViolations.medium}/${f.openViolations.low}`,
        f.lastSeen ?? '',
      ]),
    ),
    `## Governance violations\n`,
    table(
      ['Severity', 'Agent', 'Tool', 'Rule', 'Status', 'Acknowledged', 'Explanation'],
      h.violations.map((v) => [
        v.severity,
        v.agent,
        v.tool ?? '',
        v.ruleId,
        v.status,
        v.ack ? `${v.ack.by}: ${v.ack.reason} (until ${v.ack.expiresAt})` : '',
        v.explanation,
      ]),
    ),
    `## Manifests\n`,
    ...h.manifests.map(
      (m) =>
        `### ${mdText(m.agent.name)}\n\n` +
        table(
          ['Tool', 'Declared', 'Tags', 'Permission', 'Calls', 'Data seen'],
          m.tools.map((t) => [
            t.name,
            t.declared ? 'yes' : 'no',
            t.tags.join(', '),
            t.permission ?? '',
            t.calls,
            t.dataSeen.join(', '),
          ]),
        ) +
        `\nDrift — called, undeclared: ${mdList(m.drift.undeclaredCalled) || 'none'}; declared, unused: ${mdList(m.drift.declaredUnused) || 'none'}; allowed, unused ${m.drift.unusedWindowDays} days: ${mdList(m.drift.allowedUnused) || 'none'}.\n`,
    ),
    `## Policies and their history\n`,
    table(
      ['Policy', 'Version', 'At', 'Author', 'Message'],
      h.policies.flatMap((p) =>
        p.versions.map((v) => [
          p.agent ?? 'global',
          v.version,
          v.at,
          v.author ?? 'code',
          v.message ?? '',
        ]),
      ),
    ),
    `## Approvals\n`,
    table(
      ['Id', 'Agent', 'Action', 'Rule', 'Status', 'Created', 'Decided', 'Decided by'],
      h.approvals.map((a) => [
        a.id,
        a.agent,
        a.action,
        a.rule ?? '',
        a.status,
        a.createdAt,
        a.decidedAt ?? '',
        a.decidedBy ?? '',
      ]),
    ),
    `## People's actions\n`,
    table(
      ['Id', 'Time', 'Actor', 'Agent', 'Action', 'Details'],
      h.peopleActions.map((e) => [e.id, e.timestamp, e.actor ?? '', e.agent, e.action, e.details]),
    ),
    `## Control mapping (SOC 2 / GDPR / HIPAA)\n`,
    `_${mdText(h.disclaimer)}_\n`,
    table(
      ['Section', 'SOC 2', 'GDPR', 'HIPAA'],
      h.controls.map((c) => [c.section, c.soc2.join(', '), c.gdpr.join(', '), c.hipaa.join(', ')]),
    ),
  ];
  return parts.join('\n');
}

export async function writeMarkdown(
  head: ReportHead,
  entries: AsyncIterable<ExportRow>,
  sink: Sink,
): Promise<number> {
  const out = batched(sink);
  await out.add(markdownHead(head));
  await out.add(
    `\n## Audit trail (${head.auditEntries} entries)\n\n| Id | Time | Agent | Action | Status | Source | Rule | Hash |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n`,
  );
  let n = 0;
  for await (const e of entries) {
    await out.add(
      `| ${[e.id, e.timestamp, e.agent, e.action, e.status, e.source, e.rule ?? '', e.hash.slice(0, 16)].map(md).join(' | ')} |\n`,
    );
    n++;
  }
  await out.flush();
  return n;
}
