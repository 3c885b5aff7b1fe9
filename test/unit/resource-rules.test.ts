import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupRoleOriginId, parseGroupRoleOriginId, roleScopeId, roleScopeMismatch } from '../../src/domain/resources.js';

describe('resource rules', () => {
  const g = '0282e19d-bf41-435d-92a4-99bab93af305';

  it('forms and reads group role originIds', () => {
    assert.equal(groupRoleOriginId('Member', g), `Member_${g}`);
    assert.deepEqual(parseGroupRoleOriginId(`Owner_${g}`), { role: 'Owner', groupId: g });
    assert.deepEqual(parseGroupRoleOriginId(`member_${g.toUpperCase()}`), { role: 'Member', groupId: g });
    assert.equal(parseGroupRoleOriginId(`Eligible_${g}`), undefined);
    assert.equal(parseGroupRoleOriginId(g), undefined);
  });

  it('joins role and scope ids as Graph does', () => {
    assert.equal(roleScopeId('a', 'b'), 'a_b');
  });

  it('only pairs a role of the package catalog with a scope of the same resource', () => {
    assert.equal(roleScopeMismatch({ catalogId: 'c1' }, { resourceId: 'r1', catalogId: 'c1' }, { resourceId: 'r1' }), undefined);
    assert.equal(roleScopeMismatch({ catalogId: 'c1' }, { resourceId: 'r1', catalogId: 'c2' }, { resourceId: 'r1' })?.field, 'role');
    assert.equal(roleScopeMismatch({ catalogId: 'c1' }, { resourceId: 'r1', catalogId: 'c1' }, { resourceId: 'r2' })?.field, 'scope');
  });
});
