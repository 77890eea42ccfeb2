import { describe, expect, it } from 'vitest';
import { compileExpression, dlpNamesRead } from './expression';

/** What a condition asks `dlp` about: local mode scans for just those detectors first. */
function namesOf(expr: string): string[] | null {
  const compiled = compileExpression(expr);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return dlpNamesRead(compiled.program.ast);
}

describe('dlpNamesRead', () => {
  it('lists the literal names of found() and foundIn()', () => {
    expect(namesOf("dlp.found('secret')")).toEqual(['secret']);
    expect(namesOf("dlp.found('card') || dlp.foundIn('args', 'ssn')")).toEqual(['card', 'ssn']);
    expect(namesOf("args.amount > 10.0 && !dlp.found('pii')")).toEqual(['pii']);
  });

  it('is empty for a condition that does not read dlp', () => {
    expect(namesOf('args.amount > 10.0')).toEqual([]);
  });

  it('is null (every finding counts) for dlp.count or a name computed at run time', () => {
    expect(namesOf('dlp.count > 3')).toBeNull();
    expect(namesOf("dlp.found('card') && dlp.count > 3")).toBeNull();
    expect(namesOf('dlp.found(args.kind)')).toBeNull();
    expect(namesOf("['card', 'ssn'].exists(d, dlp.found(d))")).toBeNull();
  });
});
