import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { searchDirectory } from '../../src/web/api/directory';

// Every picker searches through this one function; these pin what it asks the API, so the catalog pickers
// and the policy pickers cannot drift apart again (one matched the start of a name, the other any part).

const realFetch = globalThis.fetch;
let asked: URL[] = [];

function answer(byPath: Record<string, unknown[]>) {
  asked = [];
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://portal.test');
    asked.push(url);
    return new Response(JSON.stringify({ value: byPath[url.pathname] ?? [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
}

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('web directory search', () => {
  it('matches any part of a user’s name or sign-in name, and any part of a group’s name', async () => {
    answer({});
    await searchDirectory('  smith ', ['user', 'group']);
    const users = asked.find((u) => u.pathname === '/v1.0/users');
    const groups = asked.find((u) => u.pathname === '/v1.0/groups');
    assert.ok(users, 'users were searched');
    assert.ok(groups, 'groups were searched');
    assert.equal(users.searchParams.get('$filter'), "contains(displayName,'smith') or contains(userPrincipalName,'smith')");
    assert.equal(groups.searchParams.get('$filter'), "contains(displayName,'smith')");
    assert.equal(users.searchParams.get('$top'), groups.searchParams.get('$top'), 'the same number of each kind');
  });

  it('asks only for the kinds the picker offers', async () => {
    answer({});
    await searchDirectory('ops', ['group']);
    assert.deepEqual(asked.map((u) => u.pathname), ['/v1.0/groups']);
    await searchDirectory('ann', ['user']);
    assert.deepEqual(asked.map((u) => u.pathname), ['/v1.0/groups', '/v1.0/users']);
  });

  it('quotes what was typed so it cannot end the literal', async () => {
    answer({});
    await searchDirectory("O'Brien", ['user']);
    assert.equal(asked[0].searchParams.get('$filter'), "contains(displayName,'O''Brien') or contains(userPrincipalName,'O''Brien')");
  });

  it('tags each result with its kind, users first', async () => {
    answer({ '/v1.0/users': [{ id: 'u1', displayName: 'Ann Smith' }], '/v1.0/groups': [{ id: 'g1', displayName: 'Smiths' }] });
    const found = await searchDirectory('smith', ['user', 'group']);
    assert.deepEqual(found.map((o) => [o.kind, o.id]), [['user', 'u1'], ['group', 'g1']]);
  });
});
