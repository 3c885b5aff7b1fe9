import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRoleDefinition, RoleDefinitionIds } from '../../src/domain/authorization.js';
import { ValidationError } from '../../src/domain/errors.js';
import { resolveRoleScope } from '../../src/domain/role-assignment.js';

const owner = findRoleDefinition(RoleDefinitionIds.catalogOwner)!;
const creator = findRoleDefinition(RoleDefinitionIds.catalogCreator)!;
const CAT = '6D0F3CD0-1F1E-4F6A-9C2C-1B2C3D4E5F60';

function rejects(fn: () => unknown, target: string, message: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof ValidationError && e.target === target && message.test(e.message));
}

describe('role assignment scopes', () => {
  it('puts tenant roles at / and catalog roles in one catalog', () => {
    assert.deepEqual(resolveRoleScope(creator, '/', undefined), { appScopeId: '/', catalogId: null });
    assert.deepEqual(resolveRoleScope(creator, undefined, '/'), { appScopeId: '/', catalogId: null }, 'the older directoryScopeId form');
    assert.deepEqual(resolveRoleScope(owner, `/accesspackagecatalog/${CAT}`, '/'), { appScopeId: `/AccessPackageCatalog/${CAT.toLowerCase()}`, catalogId: CAT.toLowerCase() });
  });

  it('explains a mismatch between the role and the scope', () => {
    rejects(() => resolveRoleScope(owner, '/', undefined), 'appScopeId', /catalog role.*AccessPackageCatalog/);
    rejects(() => resolveRoleScope(owner, undefined, '/'), 'appScopeId', /catalog role/);
    rejects(() => resolveRoleScope(creator, `/AccessPackageCatalog/${CAT}`, undefined), 'appScopeId', /tenant-wide role: appScopeId must be '\/'/);
    rejects(() => resolveRoleScope(owner, undefined, undefined), 'appScopeId', /required/);
    rejects(() => resolveRoleScope(owner, '/AccessPackageCatalog/marketing', undefined), 'appScopeId', /not a catalog id/);
    rejects(() => resolveRoleScope(owner, '/AccessPackage/x', undefined), 'appScopeId', /not a scope/);
    rejects(() => resolveRoleScope(creator, undefined, '/administrativeUnits/1'), 'directoryScopeId', /not supported/);
  });
});
