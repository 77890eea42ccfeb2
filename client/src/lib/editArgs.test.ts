import { describe, expect, it } from 'vitest';
import { maskValue } from '@aegis/shared';
import { checkEditedArgs, EDITED_ARGS_MAX_DEPTH, looksMasked } from './editArgs';

const original = { amount: 50_000, to: 'ACME', ssn: '123-45-6789' };
const edit = (value: unknown) => checkEditedArgs(JSON.stringify(value, null, 2), original);

describe('checking edited arguments before they are sent', () => {
  it('lists the changes against the real arguments', () => {
    const result = edit({ amount: 500, to: 'ACME', ssn: '123-45-6789', memo: 'capped' });
    expect(result).toMatchObject({
      ok: true,
      args: { amount: 500, memo: 'capped' },
      changes: [
        { path: ['amount'], change: 'changed', before: 50_000, after: 500 },
        { path: ['memo'], change: 'added', after: 'capped' },
      ],
      maskLike: [],
    });
  });

  it('says why text is not JSON, and that it must be an object', () => {
    expect(checkEditedArgs('{"amount": 500,}', original)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Not valid JSON: /),
    });
    expect(checkEditedArgs('', original)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Not valid JSON/),
    });
    expect(checkEditedArgs('[1, 2]', original)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not an array'),
    });
    expect(checkEditedArgs('null', original)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not null'),
    });
    expect(checkEditedArgs('"x"', original)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a string'),
    });
  });

  it('sends unchanged arguments back to plain Approve, whatever the key order or spacing', () => {
    const result = checkEditedArgs('{"ssn":"123-45-6789","to":"ACME","amount":50000}', original);
    expect(result).toMatchObject({
      ok: false,
      unchanged: true,
      error: expect.stringContaining('Use Approve'),
    });
  });

  it('refuses arguments deeper than the server takes, before sending them', () => {
    let deep: unknown = 1;
    for (let i = 0; i <= EDITED_ARGS_MAX_DEPTH; i++) deep = { d: deep };
    expect(edit(deep)).toMatchObject({
      ok: false,
      error: expect.stringContaining(`at most ${EDITED_ARGS_MAX_DEPTH} levels`),
    });
    let fits: unknown = 1;
    for (let i = 0; i < EDITED_ARGS_MAX_DEPTH - 1; i++) fits = { d: fits };
    expect(edit({ ...original, fits })).toMatchObject({ ok: true });
  });

  it('refuses a key the server cannot store, naming where it is', () => {
    expect(
      checkEditedArgs('{"amount": 1, "nested": {"bad\\u0001key": 1}}', original),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^Can't be stored at \/nested\/bad.key: key .* contains a control character \(U\+0001\)/,
      ),
    });
  });

  it('flags new values that read like masked text, and only those', () => {
    const result = edit({
      amount: 50_000,
      to: 'ACME',
      ssn: '***-**-6789',
      note: '***bold*** text',
    });
    expect(result.ok && result.maskLike.map((c) => c.path)).toEqual([['ssn']]);
    // a masked-looking key or nested value the edit adds counts too
    const nested = edit({
      ...original,
      extra: { card: '************1111' },
      '[REDACTED:api_key]': 1,
    });
    expect(nested.ok && nested.maskLike.map((c) => c.path)).toEqual([
      ['extra'],
      ['[REDACTED:api_key]'],
    ]);
    // what the agent sent itself is not the reviewer's doing
    const masked = { ...original, ssn: '***-**-6789' };
    const kept = checkEditedArgs(JSON.stringify({ ...masked, amount: 1 }), masked);
    expect(kept.ok && kept.maskLike).toEqual([]);
  });
});

describe('looksMasked', () => {
  it("recognises every kind of DLP's masked output", () => {
    const masked = maskValue({
      card: '4111 1111 1111 1111',
      ssn: '123-45-6789',
      phone: '(415) 555-0123',
      mobile: '+44 7911 123 456',
      email: 'jane.doe@example.com',
      iban: 'DE89 3704 0044 0532 0130 00',
      token: 'ghp_1234567890abcdefghijklmnopqrstuvwxyzAB',
      date_of_birth: '1990-01-05',
    }) as Record<string, string>;
    for (const [field, text] of Object.entries(masked)) {
      expect({ field, text, masked: looksMasked(text) }).toEqual({ field, text, masked: true });
    }
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'ACME',
      '***bold***',
      'a * b * c',
      'rated **** (4 stars)',
      '2*3=6',
      'see *** 12 items',
      '',
    ]) {
      expect({ text, masked: looksMasked(text) }).toEqual({ text, masked: false });
    }
  });
});
