/**
 * `npx tsx bench/profileTop.ts <file.cpuprofile> [N]`: the top self-time functions of a V8 CPU
 * profile (as `node --cpu-prof` writes it; `npm run bench -- --profile` does that for the
 * server), and self time summed by package / source folder.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a function lives: an npm package, a workspace folder, or node itself. */
function ownerOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return 'node:' + (url.slice(5).split('/')[0] ?? '');
  const ws = /\/work\/[^/]+\/([^/]+\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  return ws ? (ws[1] as string) : url;
}

/** Coarse layers of the server, for "where does a decision's CPU go". */
const LAYERS: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['gc', /^\(garbage collector\)$/],
  ['HTTP + Express + tRPC adapter (node:http, streams, undici Request, express, router, helmet, @trpc/server)', /^(node:_http|node:internal|node:net|node:events|node:buffer|express|router|helmet|@trpc\/server|parseurl|path-to-regexp|finalhandler|send|qs|debug|body-parser|raw-body|cookie|vary|on-finished|content-type|statuses|depd|cors)/],
  ['store client: mongodb driver + bson + mongoose', /^(mongodb|bson|mongoose|mquery|kareem|sift)/],
  ['embedded store (wire, commands, storage, SQLite, mingo)', /^(embedded-mongo|better-sqlite3|mingo)/],
  ['Aegis server + shared (services, repos, auth, trpc procedures, zod)', /^(server\/|shared\/|zod|@aegis)/],
  ['logging (pino)', /^(pino|@pinojs)/],
];

export function topSelfTime(profile: CpuProfile, n = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // Self time from the sample stream (timeDeltas are µs between samples).
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}  ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const owner = ['(idle)', '(program)', '(garbage collector)'].includes(frame.functionName) ? frame.functionName : ownerOf(frame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  }
  // Inclusive ("total") time: every function on a sample's stack gets the sample once.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (id: number) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return '?';
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}` : '';
    return `${frame.functionName || '(anonymous)'}  ${where}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(keyOf(at));
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`total sampled ${(total / 1e6).toFixed(1)} s`, '', 'self time by function:'];
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, n)) lines.push(`  ${pct(us)}  ${key}`);
  lines.push('', 'total (inclusive) time by function:');
  for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, n * 2)) lines.push(`  ${pct(us)}  ${key}`);
  const layers = new Map<string, number>();
  for (const [owner, us] of byOwner) {
    const layer = LAYERS.find(([, re]) => re.test(owner))?.[0] ?? 'other (native, module loading, tsx, crypto…)';
    layers.set(layer, (layers.get(layer) ?? 0) + us);
  }
  lines.push('', 'self time by layer:');
  for (const [key, us] of [...layers].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(us)}  ${key}`);
  lines.push('', 'self time by package / folder:');
  for (const [key, us] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, n)) lines.push(`  ${pct(us)}  ${key}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error('usage: profileTop.ts <file.cpuprofile> [N]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${topSelfTime(profile, Number(n ?? 25))}\n`);
}
