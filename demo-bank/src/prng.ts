/**
 * A tiny seeded pseudo-random generator (mulberry32).
 *
 * The demo's bank must look the same on every run — screenshots, tests and the README's expected
 * output all depend on it — so nothing here may touch `Math.random()`.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A float in [min, max) rounded to cents. */
  money(min: number, max: number): number;
}

/** The seed every demo run uses; change it and every screenshot changes. */
export const BANK_SEED = 0xae915;

export function createRng(seed: number = BANK_SEED): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick() needs a non-empty list');
      return item;
    },
    money: (min, max) => Math.round((min + next() * (max - min)) * 100) / 100,
  };
}
