import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentBlocksDeletion, idFromODataRef, incompatibilityProblem, visibleToRequestor } from '../../src/domain/access-package.js';

describe('access package rules', () => {
  it('lets only expired assignments through a delete', () => {
    assert.equal(assignmentBlocksDeletion('expired'), false);
    for (const s of ['delivering', 'partiallyDelivered', 'delivered', 'deliveryFailed']) assert.equal(assignmentBlocksDeletion(s), true, s);
  });

  it('decides visibility to people without a catalog role', () => {
    const open = { isHidden: false, catalogState: 'published', catalogIsExternallyVisible: true };
    assert.equal(visibleToRequestor(open, 'Member', false), true);
    assert.equal(visibleToRequestor({ ...open, isHidden: true }, 'Member', false), false);
    assert.equal(visibleToRequestor({ ...open, isHidden: true }, 'Member', true), true);
    assert.equal(visibleToRequestor({ ...open, catalogState: 'unpublished' }, 'Member', true), false);
    assert.equal(visibleToRequestor({ ...open, catalogIsExternallyVisible: false }, 'Member', false), true);
    assert.equal(visibleToRequestor({ ...open, catalogIsExternallyVisible: false }, 'Guest', true), false);
    assert.equal(visibleToRequestor(open, 'guest', false), true);
  });

  it('reads ids out of OData references with any base URL', () => {
    const id = '5f5c6f27-6a4c-4f4e-9b1b-0c7c2c0c6a11';
    assert.equal(idFromODataRef(`https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/accessPackages/${id}`, 'accessPackages'), id);
    assert.equal(idFromODataRef(`http://localhost:8080/v1.0/identityGovernance/entitlementManagement/accessPackages/${id}/`, 'accessPackages'), id);
    assert.equal(idFromODataRef(`accessPackages/${id}`, 'accessPackages'), id);
    assert.equal(idFromODataRef(`https://graph.microsoft.com/v1.0/groups('${id}')`, 'groups'), id);
    assert.equal(idFromODataRef(`https://graph.microsoft.com/v1.0/groups/${id}?x=1`, 'groups'), id);
    assert.equal(idFromODataRef(`https://graph.microsoft.com/v1.0/users/${id}`, 'groups'), undefined);
    assert.equal(idFromODataRef('https://graph.microsoft.com/v1.0/accessPackages/', 'accessPackages'), undefined);
    assert.equal(idFromODataRef(id, 'accessPackages'), undefined);
  });

  it('refuses self-incompatibility whatever the casing', () => {
    const id = '5f5c6f27-6a4c-4f4e-9b1b-0c7c2c0c6a11';
    assert.match(incompatibilityProblem(id, id.toUpperCase()) ?? '', /itself/);
    assert.equal(incompatibilityProblem(id, '11111111-1111-1111-1111-111111111111'), undefined);
  });
});
