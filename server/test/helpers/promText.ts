/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample must
 * belong to a family declared by `# TYPE` (histograms by their _bucket/_sum/_count series), label
 * values must be properly quoted and escaped, values must be numbers, and a histogram's buckets
 * must be cumulative and end in le="+Inf" equal to _count. Anything else throws, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [name = '', ...rest] = line.slice(7).split(' ');
      if (!NAME.test(name)) fail('bad metric name');
      help.set(name, rest.join(' '));
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = ''] = line.slice(7).split(' ');
      if (!NAME.test(name)) fail('bad metric name');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) fail('bad type');
      if (families.has(name)) fail('family declared twice');
      families.set(name, { type: type as Family['type'], help: help.get(name) ?? '', samples: [] });
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, fail);
    const family = familyOf(families, sample.name) ?? fail('sample of an undeclared family');
    family.samples.push(sample);
  });
  for (const [name, family] of families) if (family.type === 'histogram') checkHistogram(name, family);
  return families;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line) ?? fail('not a sample');
  const labels: Record<string, string> = {};
  let rest = m[3] ?? '';
  while (rest.length > 0) {
    const lm = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest) ?? fail('bad label');
    const key = lm[1] as string;
    if (!LABEL.test(key)) fail(`bad label name ${key}`);
    if (key in labels) fail(`label ${key} repeated`);
    labels[key] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(lm[0].length);
  }
  const raw = m[4] as string;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (!['+Inf', '-Inf', 'NaN'].includes(raw) && !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) fail('bad value');
  return { name: m[1] as string, labels, value };
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function checkHistogram(name: string, family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of family.samples) {
    if (s.name !== `${name}_bucket`) continue;
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${name}: bucket without le`);
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) {
      if ((buckets[i] as Sample).value < (buckets[i - 1] as Sample).value)
        throw new Error(`${name}${key}: buckets not cumulative`);
    }
    const inf = buckets[buckets.length - 1] as Sample;
    const count = family.samples.find((s) => s.name === `${name}_count` && JSON.stringify(s.labels) === key);
    if (inf.labels.le !== '+Inf' || count?.value !== inf.value)
      throw new Error(`${name}${key}: +Inf bucket missing or not equal to _count`);
  }
}

/** The value of one series (labels must match exactly the given subset), or undefined. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(families, name);
  const hit = family?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hit?.value;
}
