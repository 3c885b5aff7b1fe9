import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { odataString, query } from '../../src/web/api/client';

describe('web api client: query', () => {
  it('builds a query string, keeping the $ of OData options readable', () => {
    assert.equal(query({ $filter: "state eq 'delivered'", $top: 25, $count: true }), "?$filter=state%20eq%20'delivered'&$top=25&$count=true");
  });

  it('leaves out undefined, null and empty options but keeps 0 and false', () => {
    assert.equal(query({ $search: '', $skip: undefined, $orderby: null, $top: 0, $count: false }), '?$top=0&$count=false');
  });

  it('is empty when no option has a value', () => {
    assert.equal(query({}), '');
    assert.equal(query({ $filter: undefined }), '');
  });

  it('encodes values that would otherwise break the query (&, =, #, +, non-ASCII)', () => {
    assert.equal(query({ $search: 'R&D = #1 + Zoë' }), '?$search=R%26D%20%3D%20%231%20%2B%20Zo%C3%AB');
    const parsed = new URLSearchParams(query({ $search: 'R&D = #1 + Zoë', other: 'a/b' }).slice(1));
    assert.equal(parsed.get('$search'), 'R&D = #1 + Zoë');
    assert.equal(parsed.get('other'), 'a/b');
  });
});

describe('web api client: odataString', () => {
  it('quotes a string literal', () => {
    assert.equal(odataString('Sales'), "'Sales'");
    assert.equal(odataString(''), "''");
  });

  it("doubles every single quote so the literal cannot be closed early", () => {
    assert.equal(odataString("O'Brien"), "'O''Brien'");
    assert.equal(odataString("'' or 1 eq 1 or ''"), "''''' or 1 eq 1 or '''''");
  });
});
