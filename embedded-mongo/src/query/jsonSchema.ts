import { bsonTypeName, isNumeric, type BsonTypeName } from '../bson/typeNames.js';
import { valuesEqual } from '../bson/compare.js';
import { toNumber } from '../bson/typeOrder.js';
import { isPlainObject } from '../storage/indexKeys.js';

type Schema = Record<string, unknown>;

/** JSON Schema `type` names in terms of BSON types (MongoDB's $jsonSchema dialect). */
const JSON_TYPES: Record<string, BsonTypeName[]> = {
  object: ['object'],
  array: ['array'],
  string: ['string'],
  boolean: ['bool'],
  null: ['null'],
  number: ['int', 'long', 'double', 'decimal'],
  integer: ['int', 'long'],
};

function typeMatches(v: unknown, spec: unknown, bson: boolean): boolean {
  const names = Array.isArray(spec) ? (spec as string[]) : [spec as string];
  const t = bsonTypeName(v);
  return names.some((n) => (bson ? n === t || (n === 'number' && isNumeric(v)) : (JSON_TYPES[n] ?? []).includes(t)));
}

/**
 * A `$jsonSchema` validator (the keywords MongoDB supports: bsonType/type, required,
 * properties, additionalProperties, patternProperties, enum, minimum/maximum (exclusive),
 * minLength/maxLength, pattern, items, minItems/maxItems, uniqueItems, minProperties/
 * maxProperties, allOf/anyOf/oneOf/not), handed to mingo as its `jsonSchemaValidator`.
 */
export function compileJsonSchema(schema: Schema): (v: unknown) => boolean {
  const check = (s: Schema, v: unknown): boolean => {
    if (s.bsonType !== undefined && !typeMatches(v, s.bsonType, true)) return false;
    if (s.type !== undefined && !typeMatches(v, s.type, false)) return false;
    if (Array.isArray(s.enum) && !s.enum.some((e) => valuesEqual(e, v))) return false;
    if (isNumeric(v)) {
      const n = toNumber(v);
      if (s.minimum !== undefined && (s.exclusiveMinimum === true ? n <= toNumber(s.minimum) : n < toNumber(s.minimum))) return false;
      if (s.maximum !== undefined && (s.exclusiveMaximum === true ? n >= toNumber(s.maximum) : n > toNumber(s.maximum))) return false;
    }
    if (typeof v === 'string') {
      const len = [...v].length;
      if (s.minLength !== undefined && len < toNumber(s.minLength)) return false;
      if (s.maxLength !== undefined && len > toNumber(s.maxLength)) return false;
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) return false;
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < toNumber(s.minItems)) return false;
      if (s.maxItems !== undefined && v.length > toNumber(s.maxItems)) return false;
      if (isPlainObject(s.items) && !v.every((e) => check(s.items as Schema, e))) return false;
      if (Array.isArray(s.items) && !s.items.every((item, i) => i >= v.length || check(item as Schema, v[i]))) return false;
      if (s.uniqueItems === true && v.some((e, i) => v.slice(i + 1).some((f) => valuesEqual(e, f)))) return false;
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (Array.isArray(s.required) && !s.required.every((k) => Object.hasOwn(v, k as string))) return false;
      if (s.minProperties !== undefined && keys.length < toNumber(s.minProperties)) return false;
      if (s.maxProperties !== undefined && keys.length > toNumber(s.maxProperties)) return false;
      const props = isPlainObject(s.properties) ? (s.properties as Record<string, Schema>) : {};
      const patterns = isPlainObject(s.patternProperties) ? Object.entries(s.patternProperties as Record<string, Schema>).map(([p, sub]) => [new RegExp(p, 'u'), sub] as const) : [];
      for (const k of keys) {
        let known = false;
        if (props[k]) {
          known = true;
          if (!check(props[k], v[k])) return false;
        }
        for (const [re, sub] of patterns) {
          if (!re.test(k)) continue;
          known = true;
          if (!check(sub, v[k])) return false;
        }
        if (!known && s.additionalProperties === false) return false;
        if (!known && isPlainObject(s.additionalProperties) && !check(s.additionalProperties, v[k])) return false;
      }
    }
    if (Array.isArray(s.allOf) && !s.allOf.every((sub) => check(sub as Schema, v))) return false;
    if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => check(sub as Schema, v))) return false;
    if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => check(sub as Schema, v)).length !== 1) return false;
    if (isPlainObject(s.not) && check(s.not, v)) return false;
    return true;
  };
  return (v) => check(schema, v);
}
