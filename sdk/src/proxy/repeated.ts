import { BodyError } from './bodies';

/**
 * A query parameter or form field as policy sees it. A name given once is its value; a name the
 * endpoint declares in `lists` is always a list (one value: a list of one), so a rule reads one
 * shape. Any other name given twice is refused: policy would see a list (`?to=ok&to=evil` is
 * `["ok", "evil"]`, which `args.query.to == "evil"` does not match) while the upstream reads one
 * of them, or joins them (which one depends on the upstream), so repeating a name walked past
 * every rule about its value (attack review 9).
 */
export function oneOrList(
  where: 'query parameter' | 'form field',
  name: string,
  values: readonly unknown[],
  lists: readonly string[],
): unknown {
  if (lists.includes(name)) return [...values];
  if (values.length === 1) return values[0];
  const shown = JSON.stringify(name.slice(0, 100));
  throw new BodyError(
    400,
    'REPEATED_PARAMETER',
    `The ${where} ${shown} is given ${values.length} times: policy would decide on the values as a list while the upstream reads one of them, so the request was not sent. Send it once, or, if this endpoint takes a list, name it in the endpoint's lists: [${shown}] (policy then always sees a list)`,
  );
}

/** A form's fields (`bodies.ts` groups a repeated name's values into a list) through {@link oneOrList}. */
export function formFields(value: unknown, lists: readonly string[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, v]) => [
      name,
      oneOrList('form field', name, Array.isArray(v) ? v : [v], lists),
    ]),
  );
}
