import { describe, expect, it } from 'vitest';
import { readExport, type ExportEvent } from './exportReader';

const limits = { maxEntryChars: 1000, maxMemberChars: 1000 };

async function events(chunks: string[]): Promise<ExportEvent[]> {
  const out: ExportEvent[] = [];
  // an array is async-iterable enough for `for await`, chunk by chunk
  const source = {
    [Symbol.asyncIterator]: () => chunks.values(),
  } as unknown as AsyncIterable<string>;
  for await (const e of readExport(source, limits)) out.push(e);
  return out;
}

/** The text cut into pieces of `size` characters. */
const pieces = (text: string, size: number) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
    text.slice(i * size, (i + 1) * size),
  );

describe('readExport', () => {
  const report = {
    title: 'a "quoted" }]{[ title\\',
    chain: { ok: true, headId: 2, n: -1.5e3, t: true, f: false, z: null },
    auditTrail: [
      { id: 1, details: 'line\nbreak ] } ,' },
      { id: 2, details: '\u00e9\ud83d\ude00' },
    ],
    after: [1, 2],
  };

  it('reads members and trail entries whatever the layout and wherever chunks are cut', async () => {
    const expected = await events([JSON.stringify(report, null, 2)]);
    expect(expected.map((e) => (e.kind === 'member' ? e.key : e.index))).toEqual([
      'title',
      'chain',
      0,
      1,
      'after',
    ]);
    expect(expected[2]).toMatchObject({ kind: 'entry', value: report.auditTrail[0] });
    for (const size of [1, 2, 3, 7])
      expect(await events(pieces(`\n\n${JSON.stringify(report)}\n`, size))).toEqual(
        await events([`\n\n${JSON.stringify(report)}\n`]),
      );
  });

  it('names the line of what is wrong', async () => {
    await expect(events(['{\n"a": 1,\n"auditTrail": [\n{"id": 1}\n'])).rejects.toThrow(
      /line 5: the file ends inside the audit trail, after 1 entries/,
    );
    await expect(events(['{"a": tru}'])).rejects.toThrow(
      /line 1: the value of "a" is not valid JSON/,
    );
    await expect(events(['{"a": 1} x'])).rejects.toThrow(/expected nothing after/);
    await expect(events(['{"auditTrail": [], "auditTrail": []}'])).rejects.toThrow(/appears twice/);
    await expect(events([`{"auditTrail": ["${'x'.repeat(2000)}"]}`])).rejects.toThrow(
      /longer than 1,000 characters/,
    );
  });
});
