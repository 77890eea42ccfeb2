import type {
  RollupDoc,
  RollupGrain,
  RollupQuery,
  RollupsRepo,
} from '../../data/repos/rollups.repo';

type Grain = Exclude<RollupGrain, 'all'>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The grains an agent document is kept at, finest first (rollupIncrements' AGENT_GRAINS). */
export const LEVELS: ReadonlyArray<readonly [Grain, number]> = [
  ['m', MINUTE],
  ['h', HOUR],
  ['d', DAY],
  ['w', WEEK],
];

/** Documents of grain `g` whose bucket starts in [from, to), added (`sign` 1) or taken away (-1). */
export interface CoverTerm {
  g: Grain;
  from: number;
  to: number;
  sign: 1 | -1;
}

const floorTo = (t: number, size: number) => t - (((t % size) + size) % size);
const ceilTo = (t: number, size: number) => floorTo(t + size - 1, size);

/**
 * How to sum the buckets of grain `base` that start in [from, to) (both multiples of its size)
 * from as few documents as possible, coarser grains included: every coarser bucket that lies
 * wholly inside is one document, and an edge bucket only partly inside is either its finer
 * buckets inside, or the coarse bucket minus its finer buckets outside — whichever reads fewer.
 * Buckets starting at or after `now` hold nothing yet, so they cost nothing to take away (they
 * are still read: another server's clock may be ahead). A 24-hour window of hours is then at most
 * ~14 documents per agent instead of 25, seven days ~20 instead of 169, 30 days ~18 instead of 31.
 * The counters are exact sums, so subtracting is exact.
 */
export function coverTerms(
  base: Grain,
  from: number,
  to: number,
  now: number,
  /** The coarsest grain the documents are kept at. */
  top: Grain = 'w',
): CoverTerm[] {
  const level = LEVELS.findIndex(([g]) => g === base);
  const last = LEVELS.findIndex(([g]) => g === top);
  if (level < 0 || last < level) throw new Error(`no cover of ${base} by grains up to ${top}`);
  return coverAt(LEVELS.slice(0, last + 1), level, from, to, now);
}

function coverAt(
  levels: typeof LEVELS,
  level: number,
  from: number,
  to: number,
  now: number,
): CoverTerm[] {
  if (from >= to) return [];
  const [g, size] = levels[level]!;
  const coarser = levels[level + 1];
  if (!coarser) return [{ g, from, to, sign: 1 }];
  const csize = coarser[1];
  // Fine buckets in [a, b) that hold anything yet: what reading them costs.
  const cost = (a: number, b: number) => Math.max(0, Math.min(b, ceilTo(now, size)) - a) / size;
  const terms: CoverTerm[] = [];
  let midFrom = ceilTo(from, csize);
  let midTo = floorTo(to, csize);
  // An edge coarse bucket [c, c + csize) of which only [i0, i1) is in the window.
  const edge = (c: number, i0: number, i1: number): boolean => {
    const inside = cost(i0, i1);
    const outside = (c < now ? 1 : 0) + cost(c, i0) + cost(i1, c + csize);
    if (inside <= outside) {
      terms.push({ g, from: i0, to: i1, sign: 1 });
      return false;
    }
    if (c < i0) terms.push({ g, from: c, to: i0, sign: -1 });
    if (i1 < c + csize) terms.push({ g, from: i1, to: c + csize, sign: -1 });
    return true;
  };
  if (midFrom > midTo) {
    // The window lies inside one coarse bucket.
    const c = floorTo(from, csize);
    if (edge(c, from, to)) terms.push(...coverAt(levels, level + 1, c, c + csize, now));
    return terms;
  }
  if (from < midFrom && edge(midFrom - csize, from, midFrom)) midFrom -= csize;
  if (midTo < to && edge(midTo, midTo, to)) midTo += csize;
  terms.push(...coverAt(levels, level + 1, midFrom, midTo, now));
  return terms;
}

/**
 * The rollup documents of one kind that sum to the `base` buckets starting in [from, to), each
 * part with the sign it counts with (see coverTerms). `extra`: agents, projection.
 */
export function readCover(
  rollups: Pick<RollupsRepo, 'find'>,
  k: RollupDoc['k'],
  base: Grain,
  from: number,
  to: number,
  now: number,
  extra: Pick<RollupQuery, 'agent' | 'agents' | 'projection'> = {},
): Promise<Array<{ sign: number; docs: RollupDoc[] }>> {
  return Promise.all(
    coverTerms(base, from, to, now).map(async (term) => ({
      sign: term.sign,
      docs: await rollups.find({
        k,
        g: term.g,
        from: new Date(term.from),
        to: new Date(term.to),
        ...extra,
      }),
    })),
  );
}
