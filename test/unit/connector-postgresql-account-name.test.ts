import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountSubject } from '../../src/connectors/kit.js';
import { accountNameFor, normaliseIdentifier } from '../../src/connectors/postgresql/account-name.js';
import { ConnectorError } from '../../src/connectors/types.js';

const subject = (over: Partial<AccountSubject>): AccountSubject => ({
  id: '3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', userPrincipalName: 'ada@contoso.com', mail: 'Ada.Lovelace@contoso.com', mailNickname: 'ada', displayName: 'Ada', givenName: null, surname: null, ...over,
});
const notRetryable = (pattern: RegExp) => (e: unknown) => e instanceof ConnectorError && !e.retryable && pattern.test(e.message);

describe('PostgreSQL account names', () => {
  it('makes a lower-case identifier: accents dropped, other characters one _ per run, none at the ends', () => {
    assert.equal(normaliseIdentifier('Ada.Lovelace@contoso.com'), 'ada_lovelace_contoso_com');
    assert.equal(normaliseIdentifier('Zoë  O\'Brien-Ünal'), 'zoe_o_brien_unal');
    assert.equal(normaliseIdentifier('"; DROP ROLE x; --'), 'drop_role_x');
    assert.equal(normaliseIdentifier('__keep_inner__under__'), 'keep_inner__under');
    assert.equal(normaliseIdentifier('日本'), '');
  });

  it('puts the value into the template and guards what PostgreSQL would not take', () => {
    assert.equal(accountNameFor({ property: 'mail' }, subject({})), 'ada_lovelace_contoso_com');
    assert.equal(accountNameFor({ property: 'mailNickname', template: 'LK_{mailNickname}' }, subject({ mailNickname: 'Ada.L' })), 'lk_ada_l');
    assert.equal(accountNameFor({ property: 'id' }, subject({})), '_3f2a9c1e_5b6d_4e7f_8a9b_0c1d2e3f4a5b', 'no leading digit');
    assert.throws(() => accountNameFor({ property: 'mailNickname' }, subject({ mailNickname: null })), notRetryable(/User ada@contoso.com has no mailNickname/));
    assert.throws(() => accountNameFor({ property: 'mailNickname' }, subject({ mailNickname: '日本' })), notRetryable(/no letter or digit/));
    assert.throws(() => accountNameFor({ property: 'mailNickname' }, subject({ mailNickname: 'a'.repeat(64) })), notRetryable(/longer than PostgreSQL's 63 bytes/));
    assert.equal(accountNameFor({ property: 'mailNickname' }, subject({ mailNickname: 'a'.repeat(63) })), 'a'.repeat(63));
    assert.throws(() => accountNameFor({ property: 'mailNickname', template: 'pg_{mailNickname}' }, subject({})), notRetryable(/reserves/));
  });
});
