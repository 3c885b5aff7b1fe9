import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidCredentialsError, NoSuchObjectError, UnavailableError } from 'ldapts';
import type { AccountSubject } from '../../src/connectors/kit.js';
import { firstRdn, isWithin, normalizeDn } from '../../src/connectors/ldap/dn.js';
import { ldapFailure } from '../../src/connectors/ldap/errors.js';
import { accountFilter, accountValue, configuredFilter, groupSearchFilter } from '../../src/connectors/ldap/filters.js';
import { membershipOf } from '../../src/connectors/ldap/membership.js';
import { DEFAULT_GROUP_FILTER, resolveLdapSettings } from '../../src/connectors/ldap/settings.js';
import { ConnectorError } from '../../src/connectors/types.js';

const subject = (upn: string, mail: string | null): AccountSubject => ({
  id: 'u1', userPrincipalName: upn, mail, mailNickname: null, displayName: upn, givenName: null, surname: null,
});

describe('LDAP connector: DNs, filters, membership, errors', () => {
  it('compares DNs without case and spaces around separators', () => {
    assert.equal(normalizeDn('CN=Admins, OU=Groups ,dc=Example,dc=com'), 'cn=admins,ou=groups,dc=example,dc=com');
    assert.equal(normalizeDn('cn=Smith\\, John,ou=People'), 'cn=smith\\, john,ou=people');
    assert.equal(normalizeDn('cn=two words,ou=x'), 'cn=two words,ou=x');
    assert.ok(isWithin('cn=a,ou=Groups,dc=x', 'ou=groups, dc=x'));
    assert.ok(isWithin('ou=groups,dc=x', 'ou=groups,dc=x'));
    assert.ok(!isWithin('cn=a,ou=othergroups,dc=x', 'ou=groups,dc=x'));
    assert.ok(!isWithin('cn=a,dc=x', 'ou=groups,dc=x'));
  });

  it('reads the first RDN', () => {
    assert.deepEqual(firstRdn('uid=alice,ou=people,dc=x'), { attribute: 'uid', value: 'alice' });
    assert.deepEqual(firstRdn('cn=Smith\\, John,ou=people'), { attribute: 'cn', value: 'Smith, John' });
    assert.deepEqual(firstRdn('cn=a\\2Cb,dc=x'), { attribute: 'cn', value: 'a,b' });
    assert.equal(firstRdn('nonsense'), undefined);
  });

  it('builds filters from objects, so that search text is never filter syntax', () => {
    const groups = configuredFilter('groupFilter', '(objectClass=groupOfNames)');
    assert.equal(groupSearchFilter(groups, 'cn', '').toString(), '(objectClass=groupOfNames)');
    assert.equal(groupSearchFilter(groups, 'cn', '*)(cn=*').toString(), '(&(objectClass=groupOfNames)(cn=*\\2a\\29\\28cn=\\2a*))');
    const users = configuredFilter('userFilter', '(objectClass=person)');
    assert.equal(accountFilter(users, 'mail', 'a@b)(uid=*').toString(), '(&(objectClass=person)(mail=a@b\\29\\28uid=\\2a))');
    configuredFilter('groupFilter', DEFAULT_GROUP_FILTER);
    assert.throws(() => configuredFilter('userFilter', '(objectClass=person'), (e: unknown) =>
      e instanceof ConnectorError && !e.retryable && /userFilter \(objectClass=person is not a valid LDAP filter/.test(e.message));
  });

  it('takes the account value from the user property, or its local part', () => {
    const rule = { userProperty: 'mail' as const, accountValueTransform: 'none' as const };
    assert.equal(accountValue(subject('alice@corp', 'Alice@Example.com'), rule), 'Alice@Example.com');
    assert.equal(accountValue(subject('alice@corp', null), rule), undefined);
    assert.equal(accountValue(subject('alice@corp', null), { userProperty: 'userPrincipalName', accountValueTransform: 'localPart' }), 'alice');
    assert.equal(accountValue(subject('@corp', null), { userProperty: 'userPrincipalName', accountValueTransform: 'localPart' }), undefined);
  });

  it('detects membership from object classes', () => {
    assert.equal(membershipOf(['top', 'groupOfNames'])?.attribute, 'member');
    assert.equal(membershipOf(['GROUPOFUNIQUENAMES'])?.attribute, 'uniqueMember');
    assert.equal(membershipOf(['posixGroup'])?.attribute, 'memberUid');
    assert.equal(membershipOf(['posixGroup'])?.byDn, false);
    assert.deepEqual(membershipOf(['top', 'group']), { objectClass: 'group', attribute: 'member', byDn: true, requiresMember: false });
    // rfc2307bis: both; governed by member
    assert.equal(membershipOf(['posixGroup', 'groupOfNames'])?.objectClass, 'groupOfNames');
    assert.equal(membershipOf(['organizationalRole']), undefined);
  });

  it('defaults the settings, the stand-in for an empty group to the bind DN', () => {
    const r = resolveLdapSettings({ url: 'ldap://h', bindDn: 'cn=svc,dc=x', baseDn: 'dc=x' }, { timeoutMs: 1000, concurrency: 2 });
    assert.equal(r.groupBaseDn, 'dc=x');
    assert.equal(r.userBaseDn, 'dc=x');
    assert.equal(r.emptyGroupMember, 'cn=svc,dc=x');
    assert.equal(r.timeoutMs, 800);
    assert.equal(r.tls.rejectUnauthorized, true);
    assert.equal(resolveLdapSettings({ url: 'ldap://h', bindDn: 'b', baseDn: 'dc=x', emptyGroupMember: '' }, { timeoutMs: 1000, concurrency: 2 }).emptyGroupMember, undefined);
  });

  it('classifies failures: down, busy and slow are retryable; credentials and missing entries are not', () => {
    const at = (e: unknown) => ldapFailure(e, 'Adding x to y', 'ldap://h', 500);
    const refused = at(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    assert.equal(refused.retryable, true);
    assert.match(refused.message, /^Adding x to y: the LDAP server ldap:\/\/h could not be reached \(ECONNREFUSED/);
    assert.equal(at(new UnavailableError('shutting down')).retryable, true);
    assert.match(at(new Error('SearchRequest: Operation timed out')).message, /did not answer within 500 ms/);
    assert.equal(at(new Error('SearchRequest: Operation timed out')).retryable, true);
    const creds = at(new InvalidCredentialsError(''));
    assert.equal(creds.retryable, false);
    assert.match(creds.message, /refused the bind DN's credentials \(invalidCredentials \(49\)\)/);
    const missing = at(new NoSuchObjectError('no such entry'));
    assert.equal(missing.retryable, false);
    assert.match(missing.message, /answered noSuchObject \(32\): no such entry\.$/);
    assert.equal(at(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).retryable, false);
  });
});
