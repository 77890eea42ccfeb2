import { Decimal128 } from 'bson';

/**
 * Exact decimal arithmetic for Decimal128 `$inc`/`$mul` (0.1 + 0.2 is 0.3, not
 * 0.30000000000000004): a value is a BigInt coefficient and a base-10 exponent, rounded half to
 * even to Decimal128's 34 significant digits.
 */
interface Dec {
  coef: bigint;
  exp: number;
}

const MAX_DIGITS = 34;

function parse(text: string): Dec | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const coef = BigInt(`${m[1]}${m[2]}${frac}` || '0');
  return { coef, exp: Number(m[4] ?? 0) - frac.length };
}

function round(d: Dec): Dec {
  let { coef, exp } = d;
  const neg = coef < 0n;
  let abs = neg ? -coef : coef;
  while (abs.toString().length > MAX_DIGITS) {
    const rem = abs % 10n;
    abs /= 10n;
    exp++;
    if (rem > 5n || (rem === 5n && abs % 2n === 1n)) abs++;
  }
  coef = neg ? -abs : abs;
  return { coef, exp };
}

function format(d: Dec): string {
  const { coef, exp } = round(d);
  return `${coef.toString()}E${exp}`;
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

/** The decimal value of a number of any BSON type (doubles by their shortest round-trip text). */
function toDec(v: unknown): Dec | undefined {
  if (v === undefined || v === null) return { coef: 0n, exp: 0 };
  const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : (v as { toString(): string }).toString();
  return parse(text);
}

/** a + b or a * b in decimal; NaN/Infinity operands fall back to double arithmetic. */
export function decimalOp(a: unknown, b: unknown, op: 'add' | 'mul'): Decimal128 {
  const x = toDec(a);
  const y = toDec(b);
  if (!x || !y) {
    const r = op === 'add' ? Number(String(a)) + Number(String(b)) : Number(String(a)) * Number(String(b));
    return Decimal128.fromString(Number.isNaN(r) ? 'NaN' : r > 0 ? 'Infinity' : '-Infinity');
  }
  if (op === 'mul') return Decimal128.fromString(format({ coef: x.coef * y.coef, exp: x.exp + y.exp }));
  const [p, q, exp] = align(x, y);
  return Decimal128.fromString(format({ coef: p + q, exp }));
}
