/**
 * `npx tsx bench/dlp.ts [--quick]`: the DLP micro-benchmark alone (scenario 7 of `npm run bench`),
 * scanning and masking 1 KiB and 64 KiB tool arguments in process.
 */
import { fmtMs } from './types';
import { measureDlpScan } from './scenarios/dlpScan';

const quick = process.argv.includes('--quick');
const rows = measureDlpScan(quick ? { n1k: 2_000, n64k: 50, warmup: 200 } : { n1k: 20_000, n64k: 500, warmup: 2_000 });
for (const r of rows) {
  process.stdout.write(
    `${r.label.padEnd(40)} n=${String(r.latency.n).padStart(6)}  p50 ${fmtMs(r.latency.p50).padStart(9)}  p99 ${fmtMs(r.latency.p99).padStart(9)}  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s  findings=${r.findings}\n`,
  );
}
