import { Long, Timestamp, type Document } from 'bson';
import { compareValues } from '../bson/compare.js';
import { bsonTypeName, isNumeric } from '../bson/typeNames.js';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { arithmetic } from './arithmetic.js';
import { arrayOperators } from './arrayOperators.js';
import { showElement, type Container, type Leaf } from './pathWalk.js';

/** A compiled `{$op: {path: arg}}` entry: validates its argument once, then acts per document. */
export interface OperatorSpec {
  /** Whether a missing path is created (and a non-viable one refused) or skipped. */
  creating: boolean;
  compile(path: string, arg: unknown): (doc: Document) => Leaf;
}

/** Writes `value` into a slot, padding an array with nulls up to the index as mongod does. */
export function assign(c: Container, k: string | number, value: unknown): void {
  if (Array.isArray(c)) {
    while (c.length < (k as number)) c.push(null);
    c[k as number] = value;
  } else c[k] = value;
}

export function idOf(doc: Document): string {
  return showElement('_id', doc._id);
}

const set: OperatorSpec = {
  creating: true,
  compile: (_path, value) => () => (c, k) => assign(c, k, value),
};

const unset: OperatorSpec = {
  creating: false,
  compile: () => () => (c, k, present) => {
    if (!present) return;
    if (Array.isArray(c)) c[k as number] = null;
    else delete c[k];
  },
};

function arithmeticOperator(op: '$inc' | '$mul'): OperatorSpec {
  const verb = op === '$inc' ? 'increment' : 'multiply';
  return {
    creating: true,
    compile(path, amount) {
      if (!isNumeric(amount)) throw mongoError('TypeMismatch', `Cannot ${verb} with non-numeric argument: ${showElement(path, amount)}`);
      return (doc) => (c, k, present) => {
        const current = present ? (c as Record<string | number, unknown>)[k] : undefined;
        if (present && !isNumeric(current)) {
          throw mongoError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type. ${idOf(doc)} has the field '${String(k)}' of non-numeric type ${bsonTypeName(current)}`);
        }
        const result = arithmetic(current, amount, op);
        if (result === undefined) {
          throw mongoError('BadValue', `Failed to apply ${op} operations to current value ((NumberLong)${String(current)}) for document ${idOf(doc)}`);
        }
        assign(c, k, result);
      };
    },
  };
}

function extremum(sign: 1 | -1): OperatorSpec {
  return {
    creating: true,
    compile: (_path, value) => () => (c, k, present) => {
      const current = present ? (c as Record<string | number, unknown>)[k] : undefined;
      if (!present || compareValues(value, current) * sign > 0) assign(c, k, value);
    },
  };
}

const currentDate: OperatorSpec = {
  creating: true,
  compile(path, spec) {
    const type = typeof spec === 'boolean' ? 'date' : isPlainObject(spec) && Object.keys(spec).length === 1 ? spec.$type : undefined;
    if (type !== 'date' && type !== 'timestamp') {
      throw mongoError('BadValue', `${path} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
    }
    return () => (c, k) => {
      const now = Date.now();
      assign(c, k, type === 'date' ? new Date(now) : new Timestamp({ t: Math.floor(now / 1000), i: 1 }));
    };
  },
};

const bit: OperatorSpec = {
  creating: true,
  compile(path, spec) {
    if (!isPlainObject(spec) || Object.keys(spec).length === 0) {
      throw mongoError('FailedToParse', `The $bit modifier is not compatible with a ${bsonTypeName(spec)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`);
    }
    const ops = Object.entries(spec).map(([name, operand]) => {
      if (name !== 'and' && name !== 'or' && name !== 'xor') {
        throw mongoError('BadValue', `The $bit modifier only supports 'and', 'or', and 'xor', not '${name}' which is an unknown operator: {${name}: ${String(operand)}}`);
      }
      const t = bsonTypeName(operand);
      if (t !== 'int' && t !== 'long') throw mongoError('BadValue', `The $bit modifier field must be an Integer(32/64 bit); a '${t}' is not supported here: {${name}: ${String(operand)}}`);
      return { name, operand: BigInt(String(operand)), long: t === 'long' };
    });
    return (doc) => (c, k, present) => {
      const current = present ? (c as Record<string | number, unknown>)[k] : 0;
      const t = bsonTypeName(current);
      if (t !== 'int' && t !== 'long') {
        throw mongoError('BadValue', `Cannot apply $bit to a value of non-integral type.${idOf(doc)} has the field ${String(k)} of non-integer type ${t}`);
      }
      let value = BigInt(String(current));
      let long = t === 'long';
      for (const o of ops) {
        value = o.name === 'and' ? value & o.operand : o.name === 'or' ? value | o.operand : value ^ o.operand;
        long ||= o.long;
      }
      assign(c, k, long ? Long.fromBigInt(BigInt.asIntN(64, value)) : Number(BigInt.asIntN(32, value)));
    };
  },
};

/** Every update operator except `$rename`, which moves a value and is applied on its own. */
export const updateOperators: Record<string, OperatorSpec> = {
  $set: set,
  $setOnInsert: set,
  $unset: unset,
  $inc: arithmeticOperator('$inc'),
  $mul: arithmeticOperator('$mul'),
  $min: extremum(-1),
  $max: extremum(1),
  $currentDate: currentDate,
  $bit: bit,
  ...arrayOperators,
};
