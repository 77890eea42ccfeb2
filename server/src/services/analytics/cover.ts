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
  ['q', 6 * HOUR],
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
 * buckets inside, or the coarse bucket minus its finer buckets outside. Which one, at each edge
 * of each grain, is chosen for the whole cover at once (a coarse bucket taken at one grain can
 * merge into a coarser one at the next: choosing edge by edge missed that). Buckets starting at
 * or after `now` hold nothing yet, and buckets ending at or before `since` (the oldest data)
 * nothing any more, so they cost nothing to take away (they are still read: another server's
 * clock may be ahead, and `since` is only a hint). With every bucket busy, "the last 24 hours" is
 * then at most 6 documents per agent instead of 25, seven days 9 instead of 169, 30 days 8
 * instead of 31. The counters are exact sums, so subtracting is exact whatever `since` says.
 */
export function coverTerms(
  base: Grain,
  from: number,
  to: number,
  now: number,
  /** The coarsest grain the documents are kept at. */
  top: Grain = 'w',
  /** No bucket ending at or before this holds anything (a hint for the cost only). */
  since = -Infinity,
): CoverTerm[] {
  const level = LEVELS.findIndex(([g]) => g === base);
  const last = LEVELS.findIndex(([g]) => g === top);
  if (level < 0 || last < level) throw new Error(`no cover of ${base} by grains up to ${top}`);
  const levels = LEVELS.slice(0, last + 1);
  // Two choices (start and end edge) per step to a coarser grain: at most 2^8 covers to compare.
  const choices = 2 * (last - level);
  let best: CoverTerm[] = [];
  let bestDocs = Infinity;
  for (let mask = 0; mask < 1 << choices; mask++) {
    const takeCoarse = (at: number, side: 0 | 1) => ((mask >> (2 * (at - level) + side)) & 1) === 1;
    const terms = coverAt(levels, level, from, to, takeCoarse);
    const docs = terms.reduce((n, term) => n + docsOf(term, now, since), 0);
    if (docs < bestDocs || (docs === bestDocs && terms.length < best.length)) {
      best = terms;
      bestDocs = docs;
    }
  }
  return best;
}

/** Documents a term can read: its buckets that started before `now` and end after `since`. */
function docsOf(term: CoverTerm, now: number, since: number): number {
  const size = LEVELS.find(([g]) => g === term.g)![1];
  const first = Number.isFinite(since) ? floorTo(since, size) : -Infinity;
  return Math.max(0, Math.min(term.to, ceilTo(now, size)) - Math.max(term.from, first)) / size;
}

function coverAt(
  levels: typeof LEVELS,
  level: number,
  from: number,
  to: number,
  /** At this grain's step and edge (0 start, 1 end): the coarse bucket minus the outside? */
  takeCoarse: (level: number, side: 0 | 1) => boolean,
): CoverTerm[] {
  if (from >= to) return [];
  const [g] = levels[level]!;
  const coarser = levels[level + 1];
  if (!coarser) return [{ g, from, to, sign: 1 }];
  const csize = coarser[1];
  const terms: CoverTerm[] = [];
  let midFrom = ceilTo(from, csize);
  let midTo = floorTo(to, csize);
  // An edge coarse bucket [c, c + csize) of which only [i0, i1) is in the window.
  const edge = (c: number, i0: number, i1: number, side: 0 | 1): boolean => {
    if (!takeCoarse(level, side)) {
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
    if (edge(c, from, to, 0)) terms.push(...coverAt(levels, level + 1, c, c + csize, takeCoarse));
    return terms;
  }
  if (from < midFrom && edge(midFrom - csize, from, midFrom, 0)) midFrom -= csize;
  if (midTo < to && edge(midTo, midTo, to, 1)) midTo += csize;
  terms.push(...coverAt(levels, level + 1, midFrom, midTo, takeCoarse));
  return terms;
}

/**
 * The rollup documents of one kind that sum to the `base` buckets starting in [from, to), each
 * part with the sign it counts with (see coverTerms). `extra`: agents, projection.
 */
export async function readCover(
  rollups: Pick<RollupsRepo, 'find' | 'oldestCall'>,
  k: RollupDoc['k'],
  base: Grain,
  from: number,
  to: number,
  now: number,
  extra: Pick<RollupQuery, 'agent' | 'agents' | 'projection'> = {},
): Promise<Array<{ sign: number; docs: RollupDoc[] }>> {
  // Only a hint: without it the cover is the same sum, from a few more documents.
  const since = (await rollups.oldestCall().catch(() => null))?.getTime() ?? -Infinity;
  return Promise.all(
    coverTerms(base, from, to, now, 'w', since).map(async (term) => ({
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
