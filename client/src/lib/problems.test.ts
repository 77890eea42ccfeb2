import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { errorMessage } from './errors';
import {
  isSyntaxProblem,
  problemMessage,
  problemSummary,
  problemWhere,
  sortProblems,
  syntaxSummary,
  type Problem,
} from './problems';

const problem = (fields: Partial<Problem>): Problem => ({ message: 'bad', text: 'bad', ...fields });

describe('policy problems, said where a person finds them', () => {
  it('names the rule by number and id, then the field', () => {
    expect(problemWhere({ path: ['rules', 2, 'when'], ruleId: 'big' })).toBe('rule 3 “big” › when');
    expect(problemWhere({ path: ['rules', 3, 'id'] })).toBe('rule 4 › id');
    expect(problemWhere({ path: ['rules', 0, 'actions', 1] })).toBe('rule 1 › actions › item 2');
    expect(problemWhere({ path: ['detectors', 0, 'pattern'] })).toBe('detector 1 › pattern');
    expect(problemWhere({ path: ['kind'] })).toBe('kind');
    expect(problemWhere({})).toBe('document');
  });

  it("tells a YAML syntax error from the rules' problems, and says where it is", () => {
    const syntax = problem({ message: 'Unexpected end', line: 8, column: 1 });
    expect(isSyntaxProblem(syntax)).toBe(true);
    expect(problemWhere(syntax)).toBe('YAML syntax');
    expect(isSyntaxProblem(problem({ path: ['rules', 0, 'effect'], line: 3, column: 7 }))).toBe(
      false,
    );
    expect(isSyntaxProblem(problem({}))).toBe(false);
    expect(syntaxSummary([syntax])).toBe(
      'YAML syntax error at line 8, column 1: the rules are checked again once it reads',
    );
  });

  it('says a missing field plainly', () => {
    expect(problemMessage('Invalid input: expected array, received undefined')).toBe(
      'Missing: add this field (array)',
    );
    expect(problemMessage('Unrecognized key: "bogus"')).toBe('Unrecognized key: "bogus"');
  });

  it('orders by position, whole-draft problems first, and counts the rules involved', () => {
    const list = [
      problem({ message: 'c', line: 9, column: 5, path: ['rules', 1, 'when'] }),
      problem({ message: 'b', line: 3, column: 7, path: ['rules', 0, 'effect'] }),
      problem({ message: 'a' }),
      problem({ message: 'd', line: 9, column: 9, path: ['rules', 1, 'reason'] }),
    ];
    expect(sortProblems(list).map((p) => p.message)).toEqual(['a', 'b', 'c', 'd']);
    expect(problemSummary(list)).toBe('4 problems in 2 rules');
    expect(problemSummary(list.slice(0, 1))).toBe('1 problem');
  });
});

describe('errorMessage', () => {
  it('lists every field the server refused, up to five', () => {
    const refused = (fieldErrors: Record<string, string[]>) =>
      new TRPCClientError('[{"raw":"json"}]', {
        result: {
          error: {
            code: -32600,
            message: '',
            data: { code: 'BAD_REQUEST', zodError: { formErrors: [], fieldErrors } },
          },
        },
      });
    expect(errorMessage(refused({ action: ['too long'], agent: ['required'] }))).toBe(
      'action: too long; agent: required',
    );
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`f${i}`, ['bad']]));
    expect(errorMessage(refused(many))).toMatch(/^f0: bad; .*f4: bad; and 2 more$/);
  });
});
