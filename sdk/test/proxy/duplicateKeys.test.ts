import { describe, expect, it } from 'vitest';
import { BodyError, readBodyArgs } from '../../src/proxy/bodies';
import { firstDuplicateKey } from '../../src/proxy/duplicateKeys';

// `JSON.parse` keeps the last of a repeated key, some upstreams the first: the proxy refuses a
// JSON body that repeats one. The check must hold up against hostile shapes too.

const json = (text: string) => () =>
  readBodyArgs('application/json', undefined, Buffer.from(text, 'utf8'), false);

function refusal(run: () => unknown): { status: number; code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof BodyError)
      return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('firstDuplicateKey', () => {
  it('names the path of a key given twice in one object', () => {
    expect(firstDuplicateKey('{"to":"ok","to":"evil"}')).toBe('to');
    expect(firstDuplicateKey('{ "a" : 1 ,\n "a" : 2 }')).toBe('a');
    expect(firstDuplicateKey('{"pay":{"items":[1,{"to":2,"x":{},"to":3}]}}')).toBe(
      'pay.items[1].to',
    );
    expect(firstDuplicateKey('{"a b":{"x":1,"x":2}}')).toBe('["a b"].x');
    expect(firstDuplicateKey('{"__proto__":{},"__proto__":{"admin":true}}')).toBe('__proto__');
  });

  it('compares keys as JSON reads them: an escaped spelling is the same key', () => {
    expect(firstDuplicateKey('{"t\\u006f":"ok","to":"evil"}')).toBe('to');
    expect(firstDuplicateKey('{"a\\"b":1,"a\\u0022b":2}')).toBe('["a\\"b"]');
  });

  it('finds none where the same name is in different objects, or only inside strings', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}')).toBeNull();
    expect(firstDuplicateKey('{"s":"{\\"a\\":1,\\"a\\":2}","t":"\\\\","u":"a"}')).toBeNull();
    expect(firstDuplicateKey('["a","a",{"a":"a"}]')).toBeNull();
    expect(firstDuplicateKey('"just a string"')).toBeNull();
    expect(firstDuplicateKey('{"to":"x"}')).toBeNull();
  });

  it('survives nesting a million deep, and shows a deep path by its end', () => {
    const depth = 1_000_000;
    const deep = `${'['.repeat(depth)}{"a":1,"a":2}${']'.repeat(depth)}`;
    const path = firstDuplicateKey(deep)!;
    expect(path.startsWith('…')).toBe(true);
    expect(path.endsWith('[0][0].a')).toBe(true);
    expect(path.length).toBeLessThanOrEqual(201);
    const objects = `${'{"k":'.repeat(200_000)}{"a":1,"a":2}${'}'.repeat(200_000)}`;
    expect(firstDuplicateKey(objects)!.endsWith('.k.k.a')).toBe(true);
    expect(firstDuplicateKey(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeNull();
  });

  it('reads a wide object of distinct keys and a huge key to the end', () => {
    const wide = `{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    expect(firstDuplicateKey(wide)).toBeNull();
    const big = 'x'.repeat(2_000_000);
    expect(firstDuplicateKey(`{"${big}":1,"${big}y":2}`)).toBeNull();
    const shown = firstDuplicateKey(`{"${big}":1,"${big}":2}`)!;
    expect(shown.length).toBeLessThanOrEqual(201);
  });
});

describe('a JSON body with a repeated key', () => {
  it('is refused with 400 DUPLICATE_KEY naming the key path', () => {
    expect(refusal(json('{"to":"ok","amount":5,"to":"evil"}'))).toMatchObject({
      status: 400,
      code: 'DUPLICATE_KEY',
      message: expect.stringContaining('the key to twice') as string,
    });
    expect(refusal(json('{"payment":{"to":"ok","to":"evil"}}')).message).toContain('payment.to');
  });

  it('is still read when every key is distinct, and broken JSON is still a BAD_REQUEST', () => {
    expect(json('{"to":"ok","nested":{"to":"also ok"}}')().value).toEqual({
      to: 'ok',
      nested: { to: 'also ok' },
    });
    expect(refusal(json('{"to":"ok",'))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });
});
