import { describe, expect, it } from 'vitest';
import type { AnomalyKind } from '../schemas/analytics';
import { detectAnomalies, type HourCount } from './anomaly';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const HISTORY_DAYS = 14;
const EVAL_HOURS = 72;

/** Mulberry32: a seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(random: () => number, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const l = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > l; p *= random()) k++;
  return k;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Series {
  name: string;
  /** Mean calls at each hour of day. */
  profile: number[];
  blockRate: number;
  hours: Map<number, HourCount>;
  firstSeen: number | null;
  agentFirstSeen: number;
}

type Truth = { series: string; hour: number; kind: AnomalyKind; why?: string };

/**
 * Traffic for 40 agent × action series over 14 days plus 3 days judged hour by hour: business-hours
 * series (busy 08–18 UTC, idle at night) and round-the-clock ones, Poisson noise, a small block
 * rate. Into the judged days it injects known anomalies: spikes, night calls of a business-hours
 * series, block-rate jumps, and actions an old agent never called before.
 */
function generate(seed: number) {
  const random = rng(seed);
  const series: Series[] = [];
  const truth: Truth[] = [];
  const evalStart = START + HISTORY_DAYS * DAY;
  for (let i = 0; i < 40; i++) {
    const business = i % 2 === 0;
    // Block-rate series are busy enough for a rate to mean something within an hour.
    const level = i % 4 === 3 ? 15 + random() * 30 : 2 + random() * 40;
    const profile = Array.from({ length: 24 }, (_, h) =>
      business
        ? h >= 8 && h < 18
          ? level
          : 0
        : level * (0.6 + 0.4 * Math.sin((h / 24) * 2 * Math.PI)),
    );
    series.push({
      name: `s${i}`,
      profile,
      blockRate: random() * 0.08,
      hours: new Map(),
      firstSeen: START,
      agentFirstSeen: START,
    });
  }
  const end = evalStart + EVAL_HOURS * HOUR;
  for (const s of series) {
    for (let t = START; t < end; t += HOUR) {
      const total = poisson(random, s.profile[new Date(t).getUTCHours()] ?? 0);
      let blocked = 0;
      for (let k = 0; k < total; k++) if (random() < s.blockRate) blocked++;
      if (total > 0) s.hours.set(t, { hour: t, total, blocked });
    }
  }
  const evalHour = (from: number, to: number) =>
    evalStart + (from + Math.floor(random() * (to - from))) * HOUR;
  // Spikes in busy hours of every fourth series.
  for (const s of series.filter((_, i) => i % 4 === 1 || i % 4 === 0)) {
    let t = evalHour(0, EVAL_HOURS);
    const mean = s.profile[new Date(t).getUTCHours()] ?? 0;
    if (mean < 1) t = evalStart + (24 + 10) * HOUR; // business series: judge a busy hour
    const base = s.hours.get(t) ?? { hour: t, total: 0, blocked: 0 };
    const m = s.profile[new Date(t).getUTCHours()] ?? 0;
    const extra = Math.round(m * 3 + 15 + random() * 20);
    s.hours.set(t, { hour: t, total: base.total + extra, blocked: base.blocked });
    truth.push({ series: s.name, hour: t, kind: 'spike' });
  }
  // Night calls of business-hours series.
  for (const s of series.filter((_, i) => i % 4 === 2)) {
    const t = evalStart + (48 + 1 + Math.floor(random() * 5)) * HOUR;
    s.hours.set(t, { hour: t, total: 4 + Math.floor(random() * 20), blocked: 0 });
    truth.push({ series: s.name, hour: t, kind: 'off_hours' });
  }
  // Block-rate jumps in round-the-clock series.
  for (const s of series.filter((_, i) => i % 4 === 3)) {
    const t = evalHour(0, EVAL_HOURS);
    const total = Math.max(12, Math.round(s.profile[new Date(t).getUTCHours()] ?? 0));
    s.hours.set(t, { hour: t, total, blocked: Math.round(total * (0.6 + random() * 0.3)) });
    truth.push({ series: s.name, hour: t, kind: 'block_rate' });
  }
  // New actions of old agents.
  for (let i = 0; i < 8; i++) {
    const t = evalHour(0, EVAL_HOURS);
    const s: Series = {
      name: `new${i}`,
      profile: [],
      blockRate: 0,
      hours: new Map([[t, { hour: t, total: 1 + Math.floor(random() * 5), blocked: 0 }]]),
      firstSeen: null,
      agentFirstSeen: START,
    };
    s.hours.set(t + 2 * HOUR, { hour: t + 2 * HOUR, total: 3, blocked: 0 });
    series.push(s);
    truth.push({ series: s.name, hour: t, kind: 'first_action' });
  }
  return { series, truth, evalStart };
}

function judge(seed: number) {
  const { series, truth, evalStart } = generate(seed);
  const flagged: Truth[] = [];
  for (const s of series) {
    const hours = [...s.hours.values()];
    for (let t = evalStart; t < evalStart + EVAL_HOURS * HOUR; t += HOUR) {
      const current = s.hours.get(t) ?? { hour: t, total: 0, blocked: 0 };
      const before = hours.filter((h) => h.hour < t);
      const firstSeen =
        s.firstSeen ?? (before.length ? Math.min(...before.map((h) => h.hour)) : null);
      for (const f of detectAnomalies({
        history: before,
        current,
        firstSeen,
        agentFirstSeen: s.agentFirstSeen,
      }))
        flagged.push({
          series: s.name,
          hour: t,
          kind: f.kind,
          why: `${f.observed}/${f.expected}/${f.threshold}`,
        });
    }
  }
  const key = (x: Truth) => `${x.series}@${x.hour}:${x.kind}`;
  const truthKeys = new Set(truth.map(key));
  const hits = flagged.filter((f) => truthKeys.has(key(f))).length;
  const found = new Set(flagged.map(key));
  const recalled = truth.filter((t) => found.has(key(t))).length;
  return {
    precision: flagged.length ? hits / flagged.length : 0,
    recall: recalled / truth.length,
    injected: truth.length,
    flagged: flagged.length,
    misses: truth.filter((t) => !found.has(key(t))).map(key),
    falseAlarms: flagged.filter((f) => !truthKeys.has(key(f))).map((f) => `${key(f)}(${f.why})`),
  };
}

describe('anomaly detection on generated traffic with known anomalies', () => {
  for (const seed of [1, 7, 42]) {
    it(`finds the injected anomalies with precision and recall ≥ 0.9 (seed ${seed})`, () => {
      const r = judge(seed);
      console.log(
        `anomalies seed ${seed}: injected ${r.injected}, flagged ${r.flagged}, precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}` +
          (r.misses.length ? `; missed ${r.misses.join(' ')}` : '') +
          (r.falseAlarms.length ? `; false alarms ${r.falseAlarms.join(' ')}` : ''),
      );
      expect(r.injected).toBeGreaterThan(30);
      expect(r.precision).toBeGreaterThanOrEqual(0.9);
      expect(r.recall).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('flags nothing in clean traffic judged against itself', () => {
    const { series, evalStart } = generate(3);
    const clean = series.filter((s) => s.firstSeen !== null);
    let flagged = 0;
    for (const s of clean.slice(0, 4)) {
      // Judge the 13th day (before any injection) from the 12 days before it.
      const t0 = evalStart - DAY;
      for (let t = t0; t < t0 + DAY; t += HOUR) {
        const current = s.hours.get(t) ?? { hour: t, total: 0, blocked: 0 };
        const history = [...s.hours.values()].filter((h) => h.hour < t);
        flagged += detectAnomalies({
          history,
          current,
          firstSeen: s.firstSeen,
          agentFirstSeen: START,
        }).length;
      }
    }
    expect(flagged).toBe(0);
  });
});
