import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canCatalog, canSomeCatalog, canTenant, isAdministrative, type Me } from '../../src/web/auth/me';

const CAT_A = '11111111-1111-4111-8111-111111111111';
const CAT_B = '22222222-2222-4222-8222-222222222222';

function me(can: Partial<Me['can']>): Me {
  return {
    id: '99999999-9999-4999-8999-999999999999', displayName: 'Ada', userPrincipalName: 'ada@contoso.test', mail: null, userType: 'Member',
    tenantRoles: [], catalogRoles: [],
    can: { tenant: [], anyCatalog: [], catalogs: {}, ...can },
  };
}

describe('web auth: canTenant', () => {
  it('is true only for tenant actions the person holds', () => {
    const m = me({ tenant: ['catalog.create', 'audit.read'] });
    assert.equal(canTenant(m, 'catalog.create'), true);
    assert.equal(canTenant(m, 'audit.read'), true);
    assert.equal(canTenant(m, 'settings.write'), false);
  });

  it('does not count catalog permissions as tenant permissions', () => {
    assert.equal(canTenant(me({ anyCatalog: ['catalog.read'] }), 'directory.read'), false);
  });
});

describe('web auth: canCatalog', () => {
  const catalogOwner = me({ catalogs: { [CAT_A]: ['catalog.read', 'package.write'] } });

  it('grants an action in the catalog the role is held in', () => {
    assert.equal(canCatalog(catalogOwner, 'package.write', CAT_A), true);
  });

  it('refuses the same action in another catalog, an action not held, and when no catalog is given', () => {
    assert.equal(canCatalog(catalogOwner, 'package.write', CAT_B), false);
    assert.equal(canCatalog(catalogOwner, 'assignment.write', CAT_A), false);
    assert.equal(canCatalog(catalogOwner, 'package.write', undefined), false);
    assert.equal(canCatalog(catalogOwner, 'package.write', ''), false);
  });

  it('grants an action held in every catalog anywhere, even without a catalog id', () => {
    const reader = me({ anyCatalog: ['catalog.read', 'assignment.read'] });
    assert.equal(canCatalog(reader, 'assignment.read', CAT_B), true);
    assert.equal(canCatalog(reader, 'catalog.read', undefined), true);
    assert.equal(canCatalog(reader, 'catalog.write', CAT_B), false);
  });

  it('does not treat an inherited object key as a catalog', () => {
    assert.equal(canCatalog(catalogOwner, 'catalog.read', 'constructor'), false);
  });
});

describe('web auth: canSomeCatalog', () => {
  it('is true when any one catalog grants the action, or every catalog does', () => {
    assert.equal(canSomeCatalog(me({ catalogs: { [CAT_A]: ['catalog.read'], [CAT_B]: ['assignment.write'] } }), 'assignment.write'), true);
    assert.equal(canSomeCatalog(me({ anyCatalog: ['assignment.write'] }), 'assignment.write'), true);
    assert.equal(canSomeCatalog(me({ catalogs: { [CAT_A]: ['catalog.read'] } }), 'assignment.write'), false);
  });
});

describe('web auth: isAdministrative', () => {
  it('is false for a person with no permissions (a requestor only)', () => {
    assert.equal(isAdministrative(me({})), false);
  });

  it('is true for a tenant permission, a permission in every catalog, or a role in one catalog', () => {
    assert.equal(isAdministrative(me({ tenant: ['audit.read'] })), true);
    assert.equal(isAdministrative(me({ anyCatalog: ['catalog.read'] })), true);
    assert.equal(isAdministrative(me({ catalogs: { [CAT_A]: ['catalog.read'] } })), true);
  });
});
