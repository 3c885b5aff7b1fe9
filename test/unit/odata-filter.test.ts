import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILTER_LIMITS, parseFilter } from '../../src/api/odata/filter-parser.js';
import { parseQueryOptions } from '../../src/api/odata/query-options.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('$filter parser', () => {
  it('binds and tighter than or, and not tighter than and', () => {
    const e = parseFilter("a eq 1 or b eq 2 and not c eq 3");
    assert.equal(e.kind, 'or');
    assert.equal(e.kind === 'or' && e.right.kind, 'and');
    assert.equal(e.kind === 'or' && e.right.kind === 'and' && e.right.right.kind, 'not');
  });

  it('reads Graph literals: quoted strings with doubled quotes, bare GUIDs and date-times, booleans, null, numbers', () => {
    const e = parseFilter("displayName eq 'O''Brien' and id eq 6d0f3cd0-1f1e-4f6a-9c2c-1b2c3d4e5f60 and createdDateTime ge 2024-01-01T10:00:00+02:00 and isHidden eq false and description eq null and n lt -1.5");
    const flat: unknown[] = [];
    const walk = (x: ReturnType<typeof parseFilter>): void => {
      if (x.kind === 'and' || x.kind === 'or') { walk(x.left); walk(x.right); } else if (x.kind === 'cmp') flat.push(x.right);
    };
    walk(e);
    assert.deepEqual(flat, [
      { kind: 'literal', type: 'string', value: "O'Brien" },
      { kind: 'literal', type: 'guid', value: '6d0f3cd0-1f1e-4f6a-9c2c-1b2c3d4e5f60' },
      { kind: 'literal', type: 'datetime', value: '2024-01-01T08:00:00.000Z' },
      { kind: 'literal', type: 'boolean', value: false },
      { kind: 'literal', type: 'null', value: null },
      { kind: 'literal', type: 'number', value: -1.5 },
    ]);
  });

  it('parses in-lists, navigation paths and functions', () => {
    assert.deepEqual(parseFilter("state in ('a', 'B')"), {
      kind: 'in', left: { kind: 'path', path: 'state' },
      values: [{ kind: 'literal', type: 'string', value: 'a' }, { kind: 'literal', type: 'string', value: 'B' }],
    });
    assert.deepEqual(parseFilter("catalog/id eq 'x'"), { kind: 'cmp', op: 'eq', left: { kind: 'path', path: 'catalog/id' }, right: { kind: 'literal', type: 'string', value: 'x' } });
    assert.deepEqual(parseFilter("contains(tolower(displayName), 'sales')"), {
      kind: 'call', name: 'contains', args: [{ kind: 'fn', name: 'tolower', arg: { kind: 'path', path: 'displayName' } }, { kind: 'literal', type: 'string', value: 'sales' }],
    });
  });

  it('keeps an injected quote inside the string literal', () => {
    const e = parseFilter("displayName eq 'x'' or 1=1 --'");
    assert.equal(e.kind, 'cmp');
    assert.deepEqual(e.kind === 'cmp' && e.right, { kind: 'literal', type: 'string', value: "x' or 1=1 --" });
  });

  for (const [input, message] of [
    ["displayName eq 'open", /unterminated string/],
    ['displayName eq', /ends where a value was expected/],
    ["displayName eq 'a' and", /ends/],
    ["displayName eq 'a')", /unexpected '\)'/],
    ['displayName; drop table users', /unexpected character ';'/],
    ["substringof('a', displayName)", /unsupported function 'substringof'/],
    ["a eq 1 b eq 2", /unexpected 'b'/],
    ['', /empty/],
  ] as const) {
    it(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseFilter(input), message));
  }

  it('refuses nesting, size and length beyond its limits instead of overflowing the stack', () => {
    const deep = `${'('.repeat(5000)}a eq 1${')'.repeat(5000)}`;
    assert.throws(() => parseFilter(deep), /longer than|nested more than/);
    const nested = `${'('.repeat(FILTER_LIMITS.maxDepth + 1)}a eq 1${')'.repeat(FILTER_LIMITS.maxDepth + 1)}`;
    assert.throws(() => parseFilter(nested), /nested more than/);
    const nots = `${'not '.repeat(FILTER_LIMITS.maxDepth + 1)}a eq 1`;
    assert.throws(() => parseFilter(nots), /nested more than/);
    const wide = Array.from({ length: 300 }, (_, i) => `a eq ${i}`).join(' or ');
    assert.throws(() => parseFilter(wide), /more than \d+ terms/);
    assert.doesNotThrow(() => parseFilter(`${'('.repeat(10)}a eq 1${')'.repeat(10)}`));
  });
});

describe('query options', () => {
  it('parses nested $expand with $select and $expand inside', () => {
    const o = parseQueryOptions({ $expand: 'resourceRoleScopes($expand=role,scope;$select=id),catalog', $select: 'id,displayName', $top: '5', $count: 'true', $orderby: 'displayName desc,createdDateTime' });
    assert.deepEqual(o.expand, [
      { name: 'resourceRoleScopes', expand: [{ name: 'role', expand: [] }, { name: 'scope', expand: [] }], select: ['id'] },
      { name: 'catalog', expand: [] },
    ]);
    assert.deepEqual(o.orderby, [{ path: 'displayName', desc: true }, { path: 'createdDateTime', desc: false }]);
    assert.equal(o.top, 5);
    assert.equal(o.count, true);
  });

  for (const [query, field] of [
    [{ $fitler: "a eq 1" }, '$fitler'],
    [{ $top: '-1' }, '$top'],
    [{ $top: '100000' }, '$top'],
    [{ $skip: 'abc' }, '$skip'],
    [{ $count: 'yes' }, '$count'],
    [{ $orderby: 'displayName sideways' }, '$orderby'],
    [{ $expand: 'a(b' }, '$expand'],
    [{ $select: 'display name' }, '$select'],
    [{ $skiptoken: 'garbage' }, '$skiptoken'],
    [{ $search: '"x"' }, '$search'],
  ] as const) {
    it(`rejects ${JSON.stringify(query)} naming ${field}`, () => {
      assert.throws(() => parseQueryOptions(query), (e: unknown) => e instanceof ValidationError && e.target === field);
    });
  }
});
