import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Principal } from '../../src/domain/authorization.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createPrincipalCache } from '../../src/services/principal-cache.js';
import { openStore } from '../../src/store/db.js';
import { changesIdentity, type IdentityChanges } from '../../src/store/identity-changes.js';

function principal(userId: string): Principal {
  return { userId, displayName: userId, userPrincipalName: `${userId}@x.test`, userType: 'Member', tenantRoles: new Set(), catalogRoles: new Map(), groupIds: [] };
}

/** an identity generation the test moves by hand; null stands for "a change elsewhere could go unseen" */
function fakeIdentity() {
  const state = { generation: 0 as number | null };
  const identity: IdentityChanges = { generation: () => state.generation, follow: () => {}, close: async () => {} };
  return { state, identity };
}

function setup(opts = { ttlMs: 5000, maxEntries: 100 }) {
  const { state, identity } = fakeIdentity();
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const cache = createPrincipalCache({ identity, clock }, opts);
  const loads: string[] = [];
  const get = (key: string, until?: number) => cache.principalOf(key, async () => {
    loads.push(key);
    return { principal: principal(key), until };
  });
  return { state, clock, cache, loads, get };
}

describe('principal cache', () => {
  it('keeps a principal while the generation stands and the time limit has not passed', async () => {
    const { clock, loads, get } = setup();
    await get('a');
    await get('a');
    assert.deepEqual(loads, ['a']);
    clock.advance(5000);
    await get('a');
    assert.deepEqual(loads, ['a', 'a'], 'loaded again after the time limit');
  });

  it('loads afresh after the generation moved', async () => {
    const { state, loads, get } = setup();
    await get('a');
    state.generation = 1;
    await get('a');
    await get('a');
    assert.deepEqual(loads, ['a', 'a']);
  });

  it('keeps nothing while the generation is unknown, or with a time limit of 0', async () => {
    const unknown = setup();
    unknown.state.generation = null;
    await unknown.get('a');
    await unknown.get('a');
    assert.deepEqual(unknown.loads, ['a', 'a']);
    assert.equal(unknown.cache.size(), 0);
    const off = setup({ ttlMs: 0, maxEntries: 100 });
    await off.get('a');
    await off.get('a');
    assert.deepEqual(off.loads, ['a', 'a']);
  });

  it('never outlives the credential (a session that ends by itself)', async () => {
    const { clock, loads, get } = setup();
    await get('s', clock.now().getTime() + 1000);
    clock.advance(999);
    await get('s', clock.now().getTime() + 1000);
    assert.deepEqual(loads, ['s']);
    clock.advance(1);
    await get('s');
    assert.deepEqual(loads, ['s', 's']);
  });

  it('does not keep what was loaded while the generation moved (a change racing the load)', async () => {
    const { state, cache, loads } = setup();
    const racing = () => cache.principalOf('a', async () => {
      loads.push('a');
      state.generation = (state.generation ?? 0) + 1;
      return { principal: principal('a') };
    });
    await racing();
    assert.equal(cache.size(), 0);
    await racing();
    assert.deepEqual(loads, ['a', 'a']);
  });

  it('keeps no failure, and at most maxEntries credentials, the least recently used going first', async () => {
    const { cache, loads, get } = setup({ ttlMs: 5000, maxEntries: 2 });
    await assert.rejects(cache.principalOf('bad', async () => { throw new Error('revoked'); }));
    assert.equal(cache.size(), 0);
    await get('a');
    await get('b');
    await get('a');
    await get('c');
    assert.equal(cache.size(), 2);
    await get('a');
    await get('b');
    assert.deepEqual(loads, ['a', 'b', 'c', 'b'], 'b went (least recently used), a stayed');
  });
});

describe('which statements change who someone is', () => {
  const store = openStore(':memory:');
  after(() => store.close());
  const db = store.db;
  const at = '2026-01-01T00:00:00Z';
  const cases: [string, { query: Parameters<typeof changesIdentity>[0]['query']; sql: string }, boolean][] = [
    ['revoking a token', db.updateTable('apiTokens').set({ revokedAt: at }).where('id', '=', 'x').compile(), true],
    ['recording a token\'s use', db.updateTable('apiTokens').set({ lastUsedAt: at }).where('id', '=', 'x').compile(), false],
    ['recording a session\'s use', db.updateTable('sessions').set({ lastSeenAt: at }).where('id', '=', 'x').compile(), false],
    ['a new session', db.insertInto('sessions').values({ id: 'x', tokenHash: 'h', userId: 'u', via: 'demo', createdAt: at, lastSeenAt: at, expiresAt: at, revokedAt: null }).compile(), false],
    ['a new role assignment', db.insertInto('roleAssignments').values({ id: 'x', principalId: 'u', roleDefinitionId: 'r', appScopeId: '/', catalogId: null, createdAt: at }).compile(), true],
    ['a removed membership', db.deleteFrom('groupMembers').where('groupId', '=', 'g').compile(), true],
    ['a disabled user', db.updateTable('users').set({ accountEnabled: 0 }).where('id', '=', 'u').compile(), true],
    ['a deleted group', db.deleteFrom('groups').where('id', '=', 'g').compile(), true],
    ['a changed package', db.updateTable('accessPackages').set({ modifiedAt: at }).where('id', '=', 'p').compile(), false],
    ['reading users', db.selectFrom('users').selectAll().compile(), false],
    ['raw SQL writing memberships', sql`delete from group_members where group_id = ${'g'}`.compile(db), true],
    ['raw SQL reading memberships', sql`select group_id from group_members where member_id = ${'u'}`.compile(db), false],
  ];
  for (const [what, q, expected] of cases) {
    it(`${what}: ${expected ? 'yes' : 'no'}`, () => assert.equal(changesIdentity(q), expected));
  }
});
