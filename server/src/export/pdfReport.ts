import PDFDocument from 'pdfkit';
import type { ExportRow } from '../data/repos/export.repo';
import type { ReportHead } from './report';
import { cellText, type Sink } from './sink';

/** A PDF holds at most this many trail rows (hundreds of pages); the JSON/CSV exports hold all. */
export const PDF_TRAIL_ROWS = 5000;

interface Column {
  header: string;
  width: number;
}

const MARGIN = 40;
const ROW = 11;

/**
 * The report as a real, paginated PDF (pdfkit): headings, the chain result, and tables with
 * repeated headers on each page. Streamed to the sink as pdfkit produces it.
 */
export async function writePdf(
  head: ReportHead,
  entries: AsyncIterable<ExportRow>,
  sink: Sink,
): Promise<number> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: false,
    info: { Title: head.title, Author: 'Aegis' },
  });
  let writes = Promise.resolve();
  doc.on('data', (chunk: Buffer) => {
    writes = writes.then(() => sink.write(chunk));
  });
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - ROW;

  const heading = (text: string, size = 13) => {
    if (doc.y > bottom() - 40) doc.addPage();
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size).text(text, MARGIN, doc.y).moveDown(0.3);
  };
  const para = (text: string) =>
    doc.font('Helvetica').fontSize(9).text(text, MARGIN, doc.y, { width }).moveDown(0.3);

  const table = (columns: Column[], rows: Iterable<unknown[]>) => {
    const scale = width / columns.reduce((n, c) => n + c.width, 0);
    const drawRow = (cells: unknown[], bold: boolean) => {
      if (doc.y > bottom()) {
        doc.addPage();
        if (!bold)
          drawRow(
            columns.map((c) => c.header),
            true,
          );
      }
      const y = doc.y;
      let x = MARGIN;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7);
      columns.forEach((c, i) => {
        const w = c.width * scale;
        const v = cells[i];
        doc.text(cellText(v), x + 2, y + 2, {
          width: w - 4,
          height: ROW - 2,
          lineBreak: false,
          ellipsis: true,
        });
        x += w;
      });
      doc
        .moveTo(MARGIN, y + ROW)
        .lineTo(MARGIN + width, y + ROW)
        .lineWidth(0.3)
        .strokeColor('#bbbbbb')
        .stroke();
      doc.y = y + ROW;
      doc.x = MARGIN;
    };
    drawRow(
      columns.map((c) => c.header),
      true,
    );
    for (const r of rows) drawRow(r, false);
    doc.moveDown(0.5);
  };

  doc.font('Helvetica-Bold').fontSize(20).text(head.title);
  para(
    `Generated ${head.generatedAt} by ${head.generatedBy}. Range ${head.range.from} – ${head.range.to}. Agents: ${head.agents.join(', ') || 'none'}.`,
  );
  heading('Audit chain verification');
  para(
    head.chain.ok
      ? `Chain intact: ${head.chain.checked} entries verified. Head entry ${head.chain.headId ?? '-'}, hash ${head.chain.headHash ?? '-'}. Outcome chain head: record ${head.verification.outcomeHead.id ?? '-'}, hash ${head.verification.outcomeHead.hash ?? '-'}.`
      : `Chain BROKEN at entry ${head.chain.firstBad?.id}: ${head.chain.firstBad?.reason}. Head hash ${head.chain.headHash ?? '-'}.`,
  );
  heading('Fact sheets');
  table(
    [
      { header: 'Agent', width: 14 },
      { header: 'Owner', width: 16 },
      { header: 'Team', width: 8 },
      { header: 'Status', width: 7 },
      { header: 'Model', width: 12 },
      { header: 'Tools', width: 5 },
      { header: 'Calls', width: 6 },
      { header: 'Blocked', width: 6 },
      { header: 'Data seen', width: 10 },
      { header: 'Open c/h/m/l', width: 9 },
    ],
    head.factSheets.map((f) => [
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
    ]),
  );
  heading('Governance violations');
  table(
    [
      { header: 'Severity', width: 6 },
      { header: 'Agent', width: 12 },
      { header: 'Tool', width: 12 },
      { header: 'Rule', width: 14 },
      { header: 'Status', width: 6 },
      { header: 'Handling', width: 18 },
      { header: 'Risk', width: 40 },
    ],
    head.violations.map((v) => [
      v.severity,
      v.agent,
      v.tool ?? '',
      v.ruleId,
      v.status,
      v.ack ? `ack ${v.ack.by}: ${v.ack.reason}` : '',
      v.explanation,
    ]),
  );
  heading('Manifests (declared vs observed)');
  table(
    [
      { header: 'Agent', width: 12 },
      { header: 'Tool', width: 14 },
      { header: 'Declared', width: 6 },
      { header: 'Tags', width: 16 },
      { header: 'Permission', width: 7 },
      { header: 'Calls', width: 5 },
      { header: 'Data seen', width: 9 },
      { header: 'Last seen', width: 14 },
    ],
    head.manifests.flatMap((m) =>
      m.tools.map((t) => [
        m.agent.name,
        t.name,
        t.declared ? 'yes' : 'no',
        t.tags.join(', '),
        t.permission ?? '',
        t.calls,
        t.dataSeen.join(', '),
        t.lastSeen ?? '',
      ]),
    ),
  );
  heading('Policies and their history');
  table(
    [
      { header: 'Policy', width: 14 },
      { header: 'Version', width: 5 },
      { header: 'At', width: 14 },
      { header: 'Author', width: 12 },
      { header: 'Message', width: 40 },
    ],
    head.policies.flatMap((p) =>
      p.versions.map((v) => [
        p.agent ?? 'global',
        v.version,
        v.at,
        v.author ?? 'code',
        v.message ?? '',
      ]),
    ),
  );
  heading('Approvals and deciders');
  table(
    [
      { header: 'Id', width: 5 },
      { header: 'Agent', width: 12 },
      { header: 'Action', width: 12 },
      { header: 'Rule', width: 12 },
      { header: 'Status', width: 8 },
      { header: 'Created', width: 11 },
      { header: 'Decided', width: 11 },
      { header: 'By', width: 10 },
    ],
    head.approvals.map((a) => [
      a.id,
      a.agent,
      a.action,
      a.rule ?? '',
      a.status,
      a.createdAt,
      a.decidedAt ?? '',
      a.decidedBy ?? '',
    ]),
  );
  heading("People's actions");
  table(
    [
      { header: 'Id', width: 5 },
      { header: 'Time', width: 14 },
      { header: 'Actor', width: 12 },
      { header: 'Agent', width: 12 },
      { header: 'Action', width: 12 },
      { header: 'Details', width: 40 },
    ],
    head.peopleActions.map((e) => [e.id, e.timestamp, e.actor ?? '', e.agent, e.action, e.details]),
  );
  heading('Control mapping: SOC 2 / GDPR / HIPAA (guidance)');
  para(head.disclaimer);
  table(
    [
      { header: 'Section', width: 30 },
      { header: 'SOC 2', width: 16 },
      { header: 'GDPR', width: 16 },
      { header: 'HIPAA', width: 20 },
    ],
    head.controls.map((c) => [c.section, c.soc2.join(', '), c.gdpr.join(', '), c.hipaa.join(', ')]),
  );
  heading(
    `Audit trail (${head.auditEntries} entries${head.auditEntries > PDF_TRAIL_ROWS ? `; the first ${PDF_TRAIL_ROWS} here, all in the JSON/CSV export` : ''})`,
  );
  const rows: unknown[][] = [];
  let n = 0;
  for await (const e of entries) {
    if (n++ >= PDF_TRAIL_ROWS) break;
    rows.push([
      e.id,
      e.timestamp,
      e.agent,
      e.action,
      e.status,
      e.source,
      e.rule ?? '',
      e.hash.slice(0, 16),
    ]);
  }
  table(
    [
      { header: 'Id', width: 5 },
      { header: 'Time', width: 14 },
      { header: 'Agent', width: 12 },
      { header: 'Action', width: 14 },
      { header: 'Status', width: 7 },
      { header: 'Source', width: 6 },
      { header: 'Rule', width: 14 },
      { header: 'Hash', width: 12 },
    ],
    rows,
  );
  doc.end();
  await ended;
  await writes;
  return Math.min(n, PDF_TRAIL_ROWS);
}
