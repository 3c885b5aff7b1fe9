import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import type { AccountRef, AccountSubject, Target, TargetLimits } from '../../src/connectors/kit.js';
import { ldapConnector, type LdapSettings } from '../../src/connectors/ldap/index.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// The LDAP connector against a real OpenLDAP (Debian's slapd, started by the test in a temporary
// folder): groupOfNames, groupOfUniqueNames and posixGroup membership, nested groups, the last member
// of a groupOfNames, filter injection, the server killed and restarted, and a server that hangs.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;
const groupDn = (cn: string) => `cn=${cn},${GROUPS}`;
const LIMITS: TargetLimits = { timeoutMs: 5_000, concurrency: 4 };

const subject = (mail: string | null, upn = mail ?? 'someone@example.com'): AccountSubject => ({
  id: `id-${upn}`, userPrincipalName: upn, mail, mailNickname: null, displayName: upn, givenName: null, surname: null,
});

function person(uid: string): string {
  return [`dn: ${dnOf(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid[0].toUpperCase()}${uid.slice(1)}`, `sn: ${uid}`, `mail: ${uid}@example.com`, ''].join('\n');
}

const SEED = [
  ...['alice', 'bob', 'carol', 'dave', 'erin'].map(person),
  `dn: ${groupDn('staff')}`, 'objectClass: groupOfNames', 'cn: staff', 'description: Everyone', `member: ${dnOf('bob')}`, '',
  `dn: ${groupDn('auditors')}`, 'objectClass: groupOfUniqueNames', 'cn: auditors', `uniqueMember: ${dnOf('bob')}`, '',
  `dn: ${groupDn('developers')}`, 'objectClass: posixGroup', 'cn: developers', 'gidNumber: 5000', 'memberUid: bob', 'memberUid: ghost', '',
  `dn: ${groupDn('lonely')}`, 'objectClass: groupOfNames', 'cn: lonely', `member: ${dnOf('erin')}`, '',
  `dn: ${groupDn('strict')}`, 'objectClass: groupOfNames', 'cn: strict', `member: ${dnOf('erin')}`, '',
  // parent holds carol and child; child holds dave and (a cycle) parent
  `dn: ${groupDn('parent')}`, 'objectClass: groupOfNames', 'cn: parent', `member: ${dnOf('carol')}`, `member: ${groupDn('child')}`, '',
  `dn: ${groupDn('child')}`, 'objectClass: groupOfNames', 'cn: child', `member: ${dnOf('dave')}`, `member: ${groupDn('parent')}`, '',
  `dn: ${groupDn('odd*)(group')}`, 'objectClass: groupOfNames', 'cn: odd*)(group', `member: ${dnOf('bob')}`, '',
  `dn: cn=printer,${GROUPS}`, 'objectClass: organizationalRole', 'cn: printer', '',
].join('\n');

describe('LDAP connector against OpenLDAP', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let target: Target;
  let admin: Client;
  const targets: Target[] = [];
  const open = (extra: Partial<LdapSettings> = {}, limits = LIMITS, password?: string): Target => {
    const t = ldapConnector.createTarget(
      { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE, ...extra },
      { bindPassword: password ?? slapd.adminPassword },
      limits,
    );
    targets.push(t);
    return t;
  };
  /** the group's member attribute as the server has it now */
  const membersNow = async (cn: string, attribute: string): Promise<string[]> => {
    if (!admin.isBound) await admin.bind(slapd.adminDn, slapd.adminPassword);
    const r = await admin.search(groupDn(cn), { scope: 'base', attributes: [attribute] });
    const v = r.searchEntries[0]?.[attribute] ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).sort();
  };
  const account = async (mail: string): Promise<AccountRef> => {
    const a = await target.findAccount(subject(mail));
    assert.ok(a, `an account for ${mail}`);
    return a;
  };
  const rejects = async (p: Promise<unknown>, retryable: boolean, re: RegExp) => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof ConnectorError, `a ConnectorError, got ${String(e)}`);
      assert.equal(e.retryable, retryable, e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes(slapd.adminPassword), 'the password stays out of messages');
      return true;
    });
  };

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd(SEED);
    admin = new Client({ url: slapd.url, timeout: 5000 });
    target = open();
  });
  after(async () => {
    for (const t of targets) await t.close();
    await admin?.unbind().catch(() => undefined);
    await slapd?.stop();
  });

  it('tests the connection, and says why when the credentials are wrong', async () => {
    const r = await target.test();
    assert.match(r.summary, new RegExp(`as ${slapd.adminDn}; 8 groups under ${GROUPS}`));
    await rejects(open({}, LIMITS, 'wrong-password').test(), false, /refused the bind DN's credentials.*invalidCredentials \(49\)/);
    await assert.rejects(open({}, LIMITS, 'wrong-password').test(), (e: Error) => !e.message.includes('wrong-password'));
  });

  it('finds groups by name, looks them up by DN, and says which entries it cannot govern', async () => {
    const found = await target.searchResources('a', 10);
    assert.deepEqual(found.map((g) => g.displayName), ['auditors', 'parent', 'staff']);
    assert.deepEqual(found[2], {
      originId: groupDn('staff'), displayName: 'staff', description: 'Everyone', resourceType: 'LDAP groupOfNames', addable: true,
    });
    assert.equal((await target.searchResources('', 3)).length, 3);
    assert.equal((await target.lookupResource(groupDn('developers')))?.resourceType, 'LDAP posixGroup');
    assert.equal((await target.lookupResource(groupDn('auditors')))?.resourceType, 'LDAP groupOfUniqueNames');
    assert.equal(await target.lookupResource(groupDn('nope')), undefined);
    assert.equal(await target.lookupResource('not a dn'), undefined);
    const printer = await target.lookupResource(`cn=printer,${GROUPS}`);
    assert.equal(printer?.addable, false);
    assert.match(printer?.reason ?? '', /Not a group/);
    const outside = await target.lookupResource(dnOf('alice'));
    assert.equal(outside?.addable, false);
    assert.deepEqual(target.rolesOf(found[0]).map((r) => r.originId), ['member']);
  });

  it('matches search text literally: a name with *)( is no filter syntax', async () => {
    assert.deepEqual((await target.searchResources('*)(', 10)).map((g) => g.displayName), ['odd*)(group']);
    assert.deepEqual((await target.searchResources('*)(cn=*', 10)).map((g) => g.displayName), []);
    assert.deepEqual((await target.searchResources('*', 10)).map((g) => g.displayName), ['odd*)(group']);
    assert.equal(await target.findAccount(subject('*')), undefined);
    assert.equal(await target.findAccount(subject('alice@example.com)(uid=*')), undefined);
  });

  it('matches accounts by the account rule, and says what it looked for', async () => {
    assert.deepEqual(await target.findAccount(subject('alice@example.com')), { id: dnOf('alice'), display: 'Alice' });
    assert.equal(await target.findAccount(subject('nobody@example.com')), undefined);
    assert.equal(target.describeAccount?.(subject('nobody@example.com')), `an account with mail=nobody@example.com under ${PEOPLE} on ${slapd.url}`);
    assert.equal(await target.findAccount(subject(null, 'nomail@example.com')), undefined);
    assert.match(target.describeAccount?.(subject(null, 'nomail@example.com')) ?? '', /nomail@example.com has no mail/);
    // uid from the local part of the sign-in name
    const byUid = open({ accountAttribute: 'uid', userProperty: 'userPrincipalName', accountValueTransform: 'localPart' });
    assert.deepEqual(await byUid.findAccount(subject(null, 'carol@corp.example')), { id: dnOf('carol'), display: 'Carol' });
  });

  for (const [cn, attribute, aliceValue, bobValue] of [
    ['staff', 'member', dnOf('alice'), dnOf('bob')],
    ['auditors', 'uniqueMember', dnOf('alice'), dnOf('bob')],
    ['developers', 'memberUid', 'alice', 'bob'],
  ] as const) {
    it(`grants and revokes ${attribute} of ${cn}, idempotently`, async () => {
      const alice = await account('alice@example.com');
      const role = { resourceId: groupDn(cn), roleId: 'member' };
      assert.deepEqual(await target.grant(alice, role), { changed: true });
      assert.deepEqual(await membersNow(cn, attribute), [aliceValue, bobValue, ...(cn === 'developers' ? ['ghost'] : [])].sort());
      assert.deepEqual(await target.grant(alice, role), { changed: false });
      const holders = (await target.listHolders(role)).map((h) => h.id);
      assert.deepEqual(holders, cn === 'developers' ? ['ghost', dnOf('alice'), dnOf('bob')] : [dnOf('alice'), dnOf('bob')]);
      assert.deepEqual(await target.revoke(alice, role), { changed: true });
      assert.deepEqual(await membersNow(cn, attribute), [bobValue, ...(cn === 'developers' ? ['ghost'] : [])].sort());
      assert.deepEqual(await target.revoke(alice, role), { changed: false });
      assert.ok(!(await target.listHolders(role)).some((h) => h.id === dnOf('alice')));
    });
  }

  it('serves concurrent calls on one connection, binding once', async () => {
    const fresh = open();
    const people = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const accounts = await Promise.all(people.map((p) => fresh.findAccount(subject(`${p}@example.com`))));
    const role = { resourceId: groupDn('auditors'), roleId: 'member' };
    const granted = await Promise.all(accounts.map((a) => fresh.grant(a!, role)));
    // bob was a member already
    assert.deepEqual(granted.map((g) => g.changed), [true, false, true, true, true]);
    assert.deepEqual((await fresh.listHolders(role)).map((h) => h.id), people.map(dnOf));
    await Promise.all(accounts.filter((a) => a!.id !== dnOf('bob')).map((a) => fresh.revoke(a!, role)));
    assert.deepEqual(await membersNow('auditors', 'uniqueMember'), [dnOf('bob')]);
  });

  it('shows a groupOfNames membership in the user\'s memberOf', async () => {
    const alice = await account('alice@example.com');
    await target.grant(alice, { resourceId: groupDn('staff'), roleId: 'member' });
    await admin.bind(slapd.adminDn, slapd.adminPassword);
    const r = await admin.search(dnOf('alice'), { scope: 'base', attributes: ['memberOf'] });
    assert.equal(r.searchEntries[0].memberOf, groupDn('staff'));
    await target.revoke(alice, { resourceId: groupDn('staff'), roleId: 'member' });
  });

  it('refuses groups it does not govern and roles groups do not have', async () => {
    const alice = await account('alice@example.com');
    await rejects(target.grant(alice, { resourceId: groupDn('nope'), roleId: 'member' }), false, /no entry cn=nope/);
    await rejects(target.grant(alice, { resourceId: `cn=printer,${GROUPS}`, roleId: 'member' }), false, /organizationalRole, not a group/);
    await rejects(target.grant(alice, { resourceId: `cn=admins,${SUFFIX}`, roleId: 'member' }), false, /outside the connection's groups/);
    await rejects(target.grant(alice, { resourceId: groupDn('staff'), roleId: 'owner' }), false, /only the role 'member'/);
    const narrow = open({ groupFilter: '(&(objectClass=groupOfNames)(!(cn=staff)))' });
    const staff = await narrow.lookupResource(groupDn('staff'));
    assert.equal(staff?.addable, false);
    assert.match(staff?.reason ?? '', /does not match the connection's groupFilter/);
    assert.equal((await narrow.lookupResource(groupDn('lonely')))?.addable, true);
    await rejects(narrow.grant(alice, { resourceId: groupDn('staff'), roleId: 'member' }), false, /does not match the connection's groupFilter/);
    // revoking from a group that is not there: the access is absent
    assert.deepEqual(await target.revoke(alice, { resourceId: groupDn('nope'), roleId: 'member' }), { changed: false });
  });

  it('reads nested groups, through a cycle, when listing holders', async () => {
    const holders = await target.listHolders({ resourceId: groupDn('parent'), roleId: 'member' });
    assert.deepEqual(holders.map((h) => h.id), [dnOf('carol'), dnOf('dave')]);
    assert.deepEqual((await target.listHolders({ resourceId: groupDn('child'), roleId: 'member' })).map((h) => h.id), [dnOf('carol'), dnOf('dave')]);
  });

  it('puts the emptyGroupMember in the place of the last member of a groupOfNames, and takes it out again', async () => {
    const erin = await account('erin@example.com');
    const role = { resourceId: groupDn('lonely'), roleId: 'member' };
    assert.deepEqual(await target.revoke(erin, role), { changed: true });
    assert.deepEqual(await membersNow('lonely', 'member'), [slapd.adminDn]);
    assert.deepEqual(await target.listHolders(role), []);
    assert.deepEqual(await target.revoke(erin, role), { changed: false });
    assert.deepEqual(await target.grant(erin, role), { changed: true });
    assert.deepEqual(await membersNow('lonely', 'member'), [dnOf('erin')]);
  });

  it('refuses to remove the last member, saying why, when the connection has no emptyGroupMember', async () => {
    const strict = open({ emptyGroupMember: '' });
    const erin = await account('erin@example.com');
    const role = { resourceId: groupDn('strict'), roleId: 'member' };
    await rejects(strict.revoke(erin, role), false, /last member, and a groupOfNames must have at least one member.*emptyGroupMember/);
    assert.deepEqual(await membersNow('strict', 'member'), [dnOf('erin')]);
    const dave = await account('dave@example.com');
    await strict.grant(dave, role);
    assert.deepEqual(await strict.revoke(erin, role), { changed: true });
  });

  it('fails retryably while the server is down, and works again once it is back', async () => {
    const alice = await account('alice@example.com');
    const role = { resourceId: groupDn('auditors'), roleId: 'member' };
    await slapd.kill();
    try {
      await rejects(target.grant(alice, role), true, new RegExp(`Adding ${dnOf('alice')} to the LDAP group ${groupDn('auditors')}.*${slapd.url}`));
      await rejects(target.test(), true, /could not be reached|lost/);
    } finally {
      await slapd.start();
    }
    assert.deepEqual(await target.grant(alice, role), { changed: true });
    assert.deepEqual(await target.revoke(alice, role), { changed: true });
  });

  it('gives up on a server that does not answer, retryably, naming the timeout', async () => {
    const quick = open({}, { timeoutMs: 400, concurrency: 2 });
    const alice = await account('alice@example.com');
    const role = { resourceId: groupDn('staff'), roleId: 'member' };
    await quick.test();
    slapd.pause();
    try {
      const started = Date.now();
      await rejects(quick.grant(alice, role), true, /did not answer within \d+ ms/);
      assert.ok(Date.now() - started < 3000, 'it gave up in time');
    } finally {
      slapd.resume();
    }
    // the server may still have carried out what it had received before it froze: granting again is
    // then no change, which is why grants are idempotent
    await quick.grant(alice, role);
    assert.ok((await membersNow('staff', 'member')).includes(dnOf('alice')));
    assert.deepEqual(await quick.revoke(alice, role), { changed: true });
  });
});
