import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteTargetResourceLambdas } from '../../src/api/graph/audit-logs.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('directoryAudits $filter lambdas over targetResources', () => {
  it('rewrites any() over the single target into a direct comparison', () => {
    assert.equal(rewriteTargetResourceLambdas("targetResources/any(t: t/id eq 'abc')"), "(targetResources/id eq 'abc')");
    assert.equal(
      rewriteTargetResourceLambdas("category eq 'X' and targetResources/any(x:startswith(x/displayName, 'x/y') or x/type eq 'user')"),
      "category eq 'X' and (startswith(targetResources/displayName, 'x/y') or targetResources/type eq 'user')",
    );
  });

  it('leaves quoted text and other filters alone', () => {
    assert.equal(rewriteTargetResourceLambdas("targetResources/any(t: t/displayName eq 'it''s t/id (x)')"), "(targetResources/displayName eq 'it''s t/id (x)')");
    assert.equal(rewriteTargetResourceLambdas("activityDisplayName eq 'targetResources/any(t: t/id eq 1)'"), "activityDisplayName eq 'targetResources/any(t: t/id eq 1)'");
    assert.equal(rewriteTargetResourceLambdas("initiatedBy/user/id eq 'u'"), "initiatedBy/user/id eq 'u'");
  });

  it('reports an unbalanced lambda', () => {
    assert.throws(() => rewriteTargetResourceLambdas("targetResources/any(t: t/id eq 'a'"), ValidationError);
  });
});
