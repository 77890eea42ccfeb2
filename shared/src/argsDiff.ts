// No imports: the dashboard loads this file alone (`@aegis/shared/argsDiff`), not the whole package.

/** Keys and array indexes from the root of the arguments to one value. */
export type ArgsPath = Array<string | number>;

export type ArgsChangeKind = 'changed' | 'added' | 'removed';

/** One field that differs between a call's arguments and the edited ones. */
export interface ArgsChange {
  path: ArgsPath;
  change: ArgsChangeKind;
  /** The value before (absent when added). */
  before?: unknown;
  /** The value after (absent when removed). */
  after?: unknown;
}

type Container = Record<string, unknown> | unknown[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/**
 * Field by field, what turns `before` into `after`: objects are compared key by key (their key
 * order does not matter, as it doesn't to the approval's canonical JSON), arrays index by index,
 * anything else as a whole — a value that changes type (an object becoming a string) is one
 * change at its path. In document order: `before`'s keys, then the keys only `after` has, each
 * nested change where its field is. Walks with a stack, so JSON nested however deep cannot
 * overflow it.
 */
export function argsDiff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ArgsChange[] {
  // Paths as links to their parent, made into arrays only for a change: deep nesting stays linear.
  type Link = { parent: Link | null; key: string | number } | null;
  type Change = { at: Link; change: ArgsChangeKind; before?: unknown; after?: unknown };
  type Item = { walk: [Container, Container, Link] } | { emit: Change };
  const out: ArgsChange[] = [];
  const stack: Item[] = [{ walk: [before, after, null] }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('emit' in item) {
      const { at, ...change } = item.emit;
      out.push({ path: pathOf(at), ...change });
      continue;
    }
    const [a, b, path] = item.walk;
    const next: Item[] = [];
    const compare = (key: string | number, x: unknown, y: unknown) => {
      const at = { parent: path, key };
      if ((Array.isArray(x) && Array.isArray(y)) || (isObject(x) && isObject(y)))
        next.push({ walk: [x, y, at] });
      // JSON leaves: strings, numbers, booleans and null are equal when identical.
      else if (x !== y) next.push({ emit: { at, change: 'changed', before: x, after: y } });
    };
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const at = { parent: path, key: i };
        if (i >= b.length) next.push({ emit: { at, change: 'removed', before: a[i] } });
        else if (i >= a.length) next.push({ emit: { at, change: 'added', after: b[i] } });
        else compare(i, a[i], b[i]);
      }
    } else {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      for (const key of Object.keys(x)) {
        if (has(y, key)) compare(key, x[key], y[key]);
        else next.push({ emit: { at: { parent: path, key }, change: 'removed', before: x[key] } });
      }
      for (const key of Object.keys(y)) {
        if (!has(x, key))
          next.push({ emit: { at: { parent: path, key }, change: 'added', after: y[key] } });
      }
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  return out;
}

function pathOf(link: { parent: unknown; key: string | number } | null): ArgsPath {
  const path: ArgsPath = [];
  for (let at = link; at; at = at.parent as typeof link) path.push(at.key);
  return path.reverse();
}

/**
 * An RFC 6901 JSON pointer (`/payee/iban`, `/to/0`), as DLP findings name places; `showKey` may
 * change how a key is shown (the server masks keys that hold data, as findings do).
 */
export function argsPointer(path: ArgsPath, showKey: (key: string) => string = (k) => k): string {
  let out = '';
  for (const s of path) {
    const segment = typeof s === 'number' ? String(s) : showKey(s);
    out += `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return out;
}

/** The segments of a JSON pointer ("" is the whole value). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value a pointer names inside `root`, or `undefined` when there is none. */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  let at: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return undefined;
      at = at[Number(segment)];
    } else if (isObject(at) && has(at, segment)) {
      at = at[segment];
    } else {
      return undefined;
    }
  }
  return at;
}
