import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolesImpliedBy, rolesImplying } from '../../src/connectors/kit.js';
import { CONNECTOR_KINDS } from '../../src/connectors/kinds.js';
import { postgresqlConnector } from '../../src/connectors/postgresql/index.js';

// Which roles of a resource give another (a connector kind's impliedRoles), as reconciliation and
// revocation read them.

describe('implied roles', () => {
  it("PostgreSQL's Admin gives Member, and nothing gives Admin", () => {
    assert.deepEqual(rolesImplying(postgresqlConnector, 'member'), ['admin']);
    assert.deepEqual(rolesImplying(postgresqlConnector, 'admin'), []);
  });
  it('follows a chain of implications, and a cycle ends', () => {
    const kind = { impliedRoles: { owner: ['admin'], admin: ['member'], member: [], a: ['b'], b: ['a'] } };
    assert.deepEqual(rolesImplying(kind, 'member').sort(), ['admin', 'owner']);
    assert.deepEqual(rolesImplying(kind, 'admin'), ['owner']);
    assert.deepEqual(rolesImplying(kind, 'a'), ['b']);
  });
  it('the other way: what holding a role gives, through a chain, a cycle ending', () => {
    assert.deepEqual(rolesImpliedBy(postgresqlConnector, 'admin'), ['member']);
    assert.deepEqual(rolesImpliedBy(postgresqlConnector, 'member'), []);
    const kind = { impliedRoles: { owner: ['admin'], admin: ['member'], member: [], a: ['b'], b: ['a'] } };
    assert.deepEqual(rolesImpliedBy(kind, 'owner'), ['admin', 'member']);
    assert.deepEqual(rolesImpliedBy(kind, 'a'), ['b']);
    assert.deepEqual(rolesImpliedBy(undefined, 'admin'), []);
  });
  it('is nothing for a kind that declares none', () => {
    for (const kind of CONNECTOR_KINDS.filter((k) => k.kind !== 'postgresql')) assert.deepEqual(rolesImplying(kind, 'member'), [], kind.kind);
    assert.deepEqual(rolesImplying(undefined, 'member'), []);
  });
});
