import { describe, expect, it } from 'vitest';
import { checkAgainstSchema, type StructuralSchema } from '../../src/migrate/schema-check.js';

const schema: StructuralSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      'x-kubernetes-validations': [
        { rule: "has(self.mode) ? self.mode != 'off' || !has(self.extra) : true", message: 'spec.extra needs a mode other than off' },
        { rule: 'self.count > 2', message: 'spec.count must be over 2' },
        { rule: 'self.nosuch.field == 1' },
      ],
      properties: {
        name: { type: 'string', maxLength: 3 },
        mode: { type: 'string', enum: ['on', 'off'] },
        extra: { type: 'boolean' },
        count: { type: 'integer', default: 3, maximum: 10 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        list: { type: 'array', maxItems: 1, items: { type: 'string', pattern: '^[a-z]+$' } },
      },
    },
  },
};

describe('checkAgainstSchema', () => {
  it('prunes unknown fields, keeps maps and preserved objects, and runs CEL on defaulted values', () => {
    const { value, problems } = checkAgainstSchema(
      { metadata: { name: 'x', anything: 1 }, spec: { name: 'abc', gone: 1, labels: { a: 'b' }, free: { deep: { x: 1 } } } },
      schema,
    );
    expect(value).toEqual({ metadata: { name: 'x', anything: 1 }, spec: { name: 'abc', labels: { a: 'b' }, free: { deep: { x: 1 } } } });
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ['unknown', 'spec.gone'],
      ['unchecked', 'spec'],
    ]);
  });

  it('reports CEL rule failures with their message, and every scalar violation with its path', () => {
    const { problems } = checkAgainstSchema({ spec: { mode: 'off', extra: true, count: 11, name: 'abcd', list: ['a', 'B'] } }, schema);
    expect(problems.filter((p) => p.kind === 'invalid').map((p) => p.message)).toEqual([
      'spec.count: must be at most 10',
      'spec.name: must be at most 3 characters',
      'spec.list[1]: does not match ^[a-z]+$',
      'spec.list: must have at most 1 items (has 2)',
      'spec.extra needs a mode other than off',
    ]);
    const missing = checkAgainstSchema({ spec: { count: 1 } }, schema).problems.filter((p) => p.kind === 'invalid');
    expect(missing.map((p) => p.message)).toEqual(['spec.name is required', 'spec.count must be over 2']);
  });

  it('names the field and the expected type or constraint, never the value given', () => {
    const SENTINEL = 'hunter2-SENTINEL';
    const strict: StructuralSchema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [{ rule: 'self.re.matches(self.pattern)' }],
          properties: {
            name: { type: 'string' },
            count: { type: 'integer' },
            ratio: { type: 'number' },
            extra: { type: 'boolean' },
            mode: { type: 'string', enum: ['on', 'off'] },
            key: { type: 'string', pattern: '^[a-z]+$' },
            re: { type: 'string' },
            pattern: { type: 'string' },
          },
        },
      },
    };
    const { problems } = checkAgainstSchema(
      {
        spec: {
          name: { password: SENTINEL },
          count: `${SENTINEL}-1`,
          ratio: [SENTINEL],
          extra: SENTINEL,
          mode: SENTINEL,
          key: `${SENTINEL}!`,
          re: 'x',
          pattern: `(${SENTINEL}`,
        },
      },
      strict,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'spec.name: must be a string (is an object)',
      'spec.count: must be an integer (is a string)',
      'spec.ratio: must be a number (is a list)',
      'spec.extra: must be true or false (is a string)',
      'spec.mode: must be one of "on", "off"',
      'spec.key: does not match ^[a-z]+$',
      'spec: rule "self.re.matches(self.pattern)" could not be checked here; the API server checks it',
    ]);
    expect(JSON.stringify(problems)).not.toContain(SENTINEL);
  });
});
