/**
 * `npx tsx bench/dlp.ts [--quick] [--hostile]`: the DLP micro-benchmark alone (scenario 7 of
 * `npm run bench`), scanning and masking 1 KiB and 64 KiB tool arguments in process.
 * `--hostile` also times 64 KiB strings built to make the detectors work hard (long digit runs,
 * thousands of matches, label after label), to check that scanning stays linear: the median of
 * several scans of each.
 */
import { scan } from '@aegis/shared';
import { fmtMs } from './types';
import { measureDlpScan } from './scenarios/dlpScan';

const quick = process.argv.includes('--quick');
const rows = measureDlpScan(quick ? { n1k: 2_000, n64k: 50, warmup: 200 } : { n1k: 20_000, n64k: 500, warmup: 2_000 });
for (const r of rows) {
  process.stdout.write(
    `${r.label.padEnd(40)} n=${String(r.latency.n).padStart(6)}  p50 ${fmtMs(r.latency.p50).padStart(9)}  p99 ${fmtMs(r.latency.p99).padStart(9)}  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s  findings=${r.findings}\n`,
  );
}

if (process.argv.includes('--hostile')) {
  const size = 64 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const hostile: Record<string, string> = {
    'one digit run': fill('1'),
    'grouped digits': fill('1111 '),
    'nine-digit numbers': fill('123456789 '),
    'SSN after SSN label': fill('SSN 536221120 '),
    'formatted SSNs': fill('536-22-1120 '),
    'card list': fill('4111 1111 1111 1111 '),
    // Each group a possible card start (the card scan's worst cases, 2026-12-07).
    'digit by digit': fill('1 2 3 4 5 6 7 8 9 0 '),
    'dotted digits': fill('1.2.3.4.'),
    'two-digit groups': fill('01 23 45 67 89 '),
    'dashed card list': fill('4111-1111-1111-1111-'),
    'plus signs': fill('+1 '),
    'at signs': fill('a@'),
    'long e-mail parts': fill(`${'a'.repeat(60)}@${'b.'.repeat(120)}`),
    'DOB labels': fill('DOB: 1987-06-14 '),
    'IBAN-like groups': fill('DE89 3704 0044 '),
    'token prefixes': fill('AKIA'),
    'secret labels': fill('password='),
    // Unicode: text to fold (invisible characters deleted, offsets mapped back) and text with none.
    'zero-width in cards': fill('4111\u200b1111\u200b1111\u200b1111 '),
    'no-break-spaced cards': fill('4111\u00a01111\u202f1111\u20131111 '),
    'invisible characters': fill('a\u200b'),
    'mathematical-digit cards': fill('\u{1d7d2}\u{1d7cf}\u{1d7cf}\u{1d7cf} \u{1d7cf}\u{1d7cf}\u{1d7cf}\u{1d7cf} 1111 1111 '),
    'marked digits': fill('4\u03011\u20e311\u{e0100} '),
    'Arabic-Indic amounts': fill('\u0661\u0662\u066c\u0665\u0660\u0660 '),
    'accented text': fill('café crème brûlée '),
  };
  // Rounds over all the texts: the first two let V8 compile the regexes; the median of the rest is
  // reported (one scan of each is at the mercy of a shared machine's noise).
  const rounds = quick ? 7 : 21;
  const times = new Map<string, number[]>();
  const matches = new Map<string, number>();
  for (let round = 0; round < rounds + 2; round++) {
    for (const [name, text] of Object.entries(hostile)) {
      const t0 = performance.now();
      const result = scan({ text }, { maxFindings: 100_000 });
      const ms = performance.now() - t0;
      if (round < 2) continue;
      times.set(name, [...(times.get(name) ?? []), ms]);
      matches.set(name, result.findings.reduce((n, f) => n + f.count, 0));
    }
  }
  for (const [name, ms] of times) {
    const median = ms.sort((a, b) => a - b)[ms.length >> 1]!;
    process.stdout.write(`hostile 64 KiB: ${name.padEnd(24)} median ${fmtMs(median).padStart(9)} of ${ms.length}  matches=${matches.get(name)}\n`);
  }
}
