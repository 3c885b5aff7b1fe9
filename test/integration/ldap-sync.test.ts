import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { makeConnection } from '../support/connections.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// LDAP directory sync against a real OpenLDAP: an identity source reading people (with managers by DN)
// and groups (with nested groups) through an LDAP connection. A dry run shows what a full run would do
// and writes nothing; the full run creates them (adopting a user Latchkey already had under the same
// name), with the directory events audited; an incremental run reads only what changed since (a group's
// timestamp moves when its members do); a deleted entry is found only by a run that reads everything
// (compare, full), and its user is disabled, not deleted; the schedule starts with the first real full
// run. Settings are checked with the field named, a connection an identity source reads through cannot
// be deleted, and deleting the source releases its people.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;
const groupDn = (cn: string) => `cn=${cn},${GROUPS}`;
const V1 = '/latchkey/v1';
const SOURCES = `${V1}/identitySources`;

const person = (uid: string, extra: string[] = []) => [
  `dn: ${dnOf(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid[0].toUpperCase()}${uid.slice(1)} Example`, `sn: Example`, `givenName: ${uid}`,
  `mail: ${uid}@example.com`, ...extra, '',
].join('\n');

describe('LDAP directory sync against OpenLDAP', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let t: TestServer;
  let connectionId = '';
  let sourceId = '';
  let daveId = '';

  const sync = async (mode: string, dryRun = false) => {
    // runs are listed newest first by their start: each starts a second after the last
    t.clock.advance(1000);
    const r = await t.admin.post(`${SOURCES}/${sourceId}/sync`, { mode, dryRun });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.state, 'running');
    await t.drain();
    const run = await t.admin.get(`${SOURCES}/${sourceId}/runs/${r.body.id}`);
    assert.equal(run.status, 200, run.text);
    assert.equal(run.body.state, 'succeeded', run.body.error);
    return run.body;
  };
  const userByUpn = (upn: string) => t.store.db.selectFrom('users').selectAll().where('upnKey', '=', upn).executeTakeFirst();
  const groupByName = (name: string) => t.store.db.selectFrom('groups').selectAll().where('displayName', '=', name).executeTakeFirst();
  const membersOf = async (groupId: string) =>
    (await t.store.db.selectFrom('groupMembers').select(['memberId', 'memberType']).where('groupId', '=', groupId).execute())
      .map((m) => `${m.memberType}:${m.memberId}`).sort();
  const audits = (activity: string) => t.store.db.selectFrom('auditEvents').selectAll().where('activity', '=', activity).execute();
  /** the directory's modifyTimestamp has whole seconds: wait into the next one, so that what changes now is newer than the cursor */
  const nextSecond = () => sleep(1100);

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      person('boss', ['title: Chief', 'departmentNumber: Management', 'employeeNumber: 1']),
      person('alice', ['title: Engineer', 'departmentNumber: Engineering', 'employeeNumber: 2', `manager: ${dnOf('boss')}`]),
      person('bob', ['title: Engineer', 'ou: Engineering', `manager: UID=Alice, ou=People,${SUFFIX}`]),
      person('carol', ['employeeType: disabled', `manager: ${dnOf('boss')}`]),
      person('dave'),
      // no mail, so no userPrincipalName: reported, not synced
      [`dn: ${dnOf('nomail')}`, 'objectClass: inetOrgPerson', 'uid: nomail', 'cn: No Mail', 'sn: Mail', ''].join('\n'),
      [`dn: ${groupDn('eng')}`, 'objectClass: groupOfNames', 'cn: eng', 'description: Engineers', `member: ${dnOf('alice')}`, `member: ${dnOf('bob')}`, ''].join('\n'),
      [`dn: ${groupDn('staff')}`, 'objectClass: groupOfNames', 'cn: staff', `member: ${groupDn('eng')}`, `member: ${dnOf('boss')}`, ''].join('\n'),
      [`dn: ${groupDn('alumni')}`, 'objectClass: groupOfNames', 'cn: alumni', `member: ${dnOf('dave')}`, ''].join('\n'),
      [`dn: ${groupDn('everyone')}`, 'objectClass: groupOfNames', 'cn: everyone', `member: ${groupDn('alumni')}`, `member: ${dnOf('boss')}`, ''].join('\n'),
    ].join('\n'));
    t = await startTestServer();
    connectionId = await makeConnection(t, {
      kind: 'ldap', settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE }, secrets: { bindPassword: slapd.adminPassword },
    });
    // dave is already known to Latchkey (made through the API): the sync adopts him
    daveId = (await t.user({ displayName: 'Dave (before sync)', userPrincipalName: 'dave@example.com' })).id;
  });

  after(async () => {
    await t?.close();
    await slapd?.stop();
  });

  it('refuses settings it cannot use, naming the field', async () => {
    const post = (body: object) => t.admin.post(SOURCES, { kind: 'ldap', displayName: 'Bad', connectionId, ...body });
    const cases: [object, string][] = [
      [{ settings: { preset: 'novell' } }, 'settings.preset'],
      [{ settings: { usersFilter: '(objectClass=person' } }, 'settings.usersFilter'],
      [{ settings: { schedule: { incremental: 'every hour' } } }, 'settings.schedule.incremental'],
      [{ settings: { userAttributes: { department: 'bad attribute!' } } }, 'settings.userAttributes.department'],
      [{ settings: { disabled: { attribute: 'employeeType' } } }, 'settings.disabled'],
      [{ connectionId: null }, 'connectionId'],
      [{ connectionId: '00000000-0000-4000-8000-000000000000' }, 'connectionId'],
    ];
    for (const [body, field] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.ok(r.text.includes(field), `${JSON.stringify(body)} names ${field}: ${r.text}`);
    }
    const scim = await t.admin.post(SOURCES, { kind: 'scim', displayName: 'Entra', connectionId });
    assert.equal(scim.status, 400, scim.text);
    const webhook = await makeConnection(t, { kind: 'webhook', settings: { url: 'https://hooks.example.com/x' }, secrets: { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
    const wrongKind = await post({ connectionId: webhook });
    assert.equal(wrongKind.status, 400, wrongKind.text);
    assert.match(wrongKind.text, /not an LDAP one/);
  });

  it('is only for tenant administrators', async () => {
    const someone = await t.user({ displayName: 'Someone' });
    assert.equal((await someone.client.get(SOURCES)).status, 403);
    assert.equal((await someone.client.post(SOURCES, { kind: 'scim', displayName: 'x' })).status, 403);
    const owner = await t.user({ displayName: 'Catalog owner' });
    await t.grantRole(owner.id, R.catalogOwner, (await t.store.db.selectFrom('catalogs').select('id').executeTakeFirstOrThrow()).id);
    assert.equal((await owner.client.get(SOURCES)).status, 403);
  });

  it('creates a source; nothing is read or scheduled before the first run', async () => {
    const r = await t.admin.post(SOURCES, {
      kind: 'ldap', displayName: 'Corporate directory', connectionId,
      settings: { preset: 'openldap', disabled: { attribute: 'employeeType', values: ['Disabled'] } },
    });
    assert.equal(r.status, 201, r.text);
    sourceId = r.body.id;
    assert.equal(r.body.kind, 'ldap');
    assert.equal(r.body.settings.preset, 'openldap');
    assert.equal(r.body.nextSyncDateTime, null);
    assert.equal(r.body.userCount, 0);
    assert.ok(!r.text.includes(slapd.adminPassword), 'no secret in the answer');
    const list = await t.admin.get(SOURCES);
    assert.ok(list.body.value.some((s: { id: string }) => s.id === sourceId));
    const audit = await audits('Create identity source');
    assert.equal(audit.length, 1);
  });

  it('a dry run says what a full run would do, and writes nothing', async () => {
    const auditsBefore = (await t.store.db.selectFrom('auditEvents').select('id').execute()).length;
    const run = await sync('full', true);
    assert.equal(run.dryRun, true);
    assert.equal(run.mode, 'full');
    assert.equal(run.usersCreated, 4, 'boss, alice, bob, carol (created disabled: she is disabled in the directory)');
    assert.equal(run.usersUpdated, 1, 'dave, adopted');
    assert.equal(run.usersDisabled, 0, 'nobody who was enabled');
    assert.equal(run.groupsCreated, 4);
    assert.equal(run.membersAdded, 7);
    assert.equal(run.entriesRead, 10, '6 people and 4 groups read');
    assert.equal(run.entriesWritten, 0);
    assert.ok(run.errors.some((e: string) => e.includes('uid=nomail')), run.errors.join('\n'));
    assert.ok(run.sample.some((c: { action: string; target: string }) => c.action === 'createUser' && c.target === 'alice@example.com'), JSON.stringify(run.sample));
    assert.ok(run.sample.some((c: { action: string; target: string; detail?: string }) => c.action === 'addMember' && c.target === 'staff' && c.detail === 'eng'), JSON.stringify(run.sample));
    assert.equal(await userByUpn('alice@example.com'), undefined);
    assert.equal((await userByUpn('dave@example.com'))!.sourceId, null);
    assert.equal((await t.store.db.selectFrom('auditEvents').select('id').execute()).length, auditsBefore, 'no audit record: nothing changed');
    const source = await t.admin.get(`${SOURCES}/${sourceId}`);
    assert.equal(source.body.nextSyncDateTime, null, 'a dry run does not start the schedule');
  });

  it('a full run creates the people with their managers and the groups with nested members, and publishes every change', async () => {
    const run = await sync('full');
    assert.deepEqual(
      [run.usersCreated, run.usersUpdated, run.usersDisabled, run.groupsCreated, run.membersAdded],
      [4, 1, 0, 4, 7],
    );
    assert.ok(run.entriesWritten > 0);
    const alice = (await userByUpn('alice@example.com'))!;
    const boss = (await userByUpn('boss@example.com'))!;
    const bob = (await userByUpn('bob@example.com'))!;
    const carol = (await userByUpn('carol@example.com'))!;
    assert.equal(alice.sourceId, sourceId);
    assert.match(alice.sourceKey ?? '', /^[0-9a-f-]{36}$/, 'the entryUUID');
    assert.equal(alice.externalId, dnOf('alice'));
    assert.deepEqual([alice.displayName, alice.givenName, alice.surname, alice.jobTitle, alice.department, alice.employeeId, alice.mailNickname],
      ['Alice Example', 'alice', 'Example', 'Engineer', 'Engineering', '2', 'alice']);
    assert.equal(bob.department, 'Engineering', 'from ou when there is no departmentNumber');
    assert.equal(alice.managerId, boss.id);
    assert.equal(bob.managerId, alice.id, "the manager's DN as the directory spelt it");
    assert.equal(carol.accountEnabled, 0);
    assert.equal(alice.accountEnabled, 1);
    const dave = (await userByUpn('dave@example.com'))!;
    assert.equal(dave.id, daveId, 'adopted, not made again');
    assert.equal(dave.sourceId, sourceId);
    assert.equal(dave.displayName, 'Dave Example');
    assert.equal(await userByUpn('nomail@example.com'), undefined);

    const eng = (await groupByName('eng'))!;
    const staff = (await groupByName('staff'))!;
    assert.equal(eng.description, 'Engineers');
    assert.equal(eng.sourceId, sourceId);
    assert.deepEqual(await membersOf(eng.id), [`user:${alice.id}`, `user:${bob.id}`].sort());
    assert.deepEqual(await membersOf(staff.id), [`group:${eng.id}`, `user:${boss.id}`].sort(), 'a member that is a group is a nested group');
    // Graph sees the nesting
    const transitive = await t.admin.get(`/v1.0/groups/${staff.id}/transitiveMembers`);
    assert.equal(transitive.status, 200, transitive.text);
    assert.deepEqual(transitive.body.value.map((m: { id: string }) => m.id).sort(), [alice.id, bob.id, boss.id, eng.id].sort());
    const manager = await t.admin.get(`/v1.0/users/${bob.id}/manager`);
    assert.equal(manager.body.id, alice.id);

    // every change was published: the audit records are the events' (actor: the source)
    const added = await audits('Add user');
    assert.equal(added.filter((a) => a.actorDisplayName === 'Identity source Corporate directory').length, 4);
    const disabledCarol = added.find((a) => a.targetId === carol.id)!;
    assert.ok(JSON.parse(disabledCarol.modifiedProperties).some((p: { displayName: string; newValue: unknown }) => p.displayName === 'accountEnabled' && p.newValue === false));
    assert.ok((await audits('Update user')).some((a) => a.targetId === dave.id), 'the adoption of dave');
    assert.equal((await audits('Set manager')).filter((a) => a.actorDisplayName === 'Identity source Corporate directory').length, 3, 'alice and carol (boss), bob (alice)');
    assert.equal((await audits('Add member to group')).length, 7);
    assert.equal((await audits('Add group')).length, 4);

    const source = await t.admin.get(`${SOURCES}/${sourceId}`);
    assert.equal(source.body.userCount, 5);
    assert.equal(source.body.groupCount, 4);
    assert.ok(source.body.nextSyncDateTime, 'the schedule started with the first real full run');
    assert.ok(source.body.nextFullSyncDateTime > source.body.nextSyncDateTime, 'the next incremental run comes before the next full one');
    assert.equal(source.body.lastRun.id, run.id);

    const again = await sync('full');
    assert.deepEqual([again.usersCreated, again.usersUpdated, again.usersDisabled, again.groupsCreated, again.groupsUpdated, again.membersAdded, again.membersRemoved],
      [0, 0, 0, 0, 0, 0, 0], 'a second full run finds nothing to change');
  });

  it('an incremental run reads only what changed since, membership changes with its group', async () => {
    // the seeded entries share the cursor's second, and an incremental run reads that second again (>=,
    // so that a change made in it after the run read is not missed): a change a second later moves the cursor past them
    await nextSecond();
    await slapd.ldapmodify([`dn: ${dnOf('dave')}`, 'changetype: modify', 'replace: title', 'title: Alumnus', ''].join('\n'));
    const first = await sync('incremental');
    assert.equal(first.usersUpdated, 1, 'dave');
    assert.equal((await userByUpn('dave@example.com'))!.jobTitle, 'Alumnus');

    await nextSecond();
    await slapd.ldapmodify([
      `dn: ${dnOf('alice')}`, 'changetype: modify', 'replace: title', 'title: Staff Engineer', '',
      `dn: ${groupDn('eng')}`, 'changetype: modify', 'add: member', `member: ${dnOf('carol')}`, '',
      // bob leaves: the refint overlay takes him out of eng too, which moves eng's timestamp
      `dn: ${dnOf('bob')}`, 'changetype: delete', '',
    ].join('\n'));
    await slapd.ldapadd(person('erin', [`manager: ${dnOf('alice')}`, 'departmentNumber: Engineering']));
    const run = await sync('incremental');
    assert.equal(run.mode, 'incremental');
    assert.equal(run.entriesRead, 4, "alice, erin and eng, and dave again (changed in the cursor's second): nothing else");
    assert.deepEqual([run.usersCreated, run.usersUpdated, run.usersDisabled, run.membersAdded, run.membersRemoved], [1, 1, 0, 1, 1]);
    const alice = (await userByUpn('alice@example.com'))!;
    const erin = (await userByUpn('erin@example.com'))!;
    const bob = (await userByUpn('bob@example.com'))!;
    const carol = (await userByUpn('carol@example.com'))!;
    assert.equal(alice.jobTitle, 'Staff Engineer');
    assert.equal(erin.managerId, alice.id);
    assert.equal(bob.accountEnabled, 1, 'an incremental run cannot see that bob is gone');
    const eng = (await groupByName('eng'))!;
    assert.deepEqual(await membersOf(eng.id), [`user:${alice.id}`, `user:${carol.id}`].sort());
    const update = (await audits('Update user')).find((a) => a.targetId === alice.id && a.modifiedProperties.includes('Staff Engineer'))!;
    assert.deepEqual(JSON.parse(update.modifiedProperties), [{ displayName: 'jobTitle', oldValue: 'Engineer', newValue: 'Staff Engineer' }]);
    assert.ok((await audits('Remove member from group')).some((a) => a.targetId === eng.id));
  });

  it('a dry compare shows who is gone; the compare disables them, and never deletes', async () => {
    const dry = await sync('compare', true);
    assert.equal(dry.usersDisabled, 1);
    assert.ok(dry.sample.some((c: { action: string; target: string }) => c.action === 'disableUser' && c.target === 'bob@example.com'), JSON.stringify(dry.sample));
    assert.equal((await userByUpn('bob@example.com'))!.accountEnabled, 1);

    const run = await sync('compare');
    assert.equal(run.usersDisabled, 1);
    assert.equal(run.usersCreated + run.usersUpdated, 0, 'a compare reads only ids');
    const bob = (await userByUpn('bob@example.com'))!;
    assert.equal(bob.accountEnabled, 0, 'disabled');
    const disabled = (await audits('Update user')).filter((a) => a.targetId === bob.id);
    assert.deepEqual(JSON.parse(disabled.at(-1)!.modifiedProperties), [{ displayName: 'accountEnabled', oldValue: true, newValue: false }]);
    // a later full run leaves him as he is: disabled, not deleted
    const full = await sync('full');
    assert.equal(full.usersDisabled, 0);
    assert.ok(await userByUpn('bob@example.com'));
  });

  it('a compare finds a deleted group and deletes it, telling of its members and of the group it was nested in', async () => {
    const alumni = (await groupByName('alumni'))!;
    const everyone = (await groupByName('everyone'))!;
    const dave = (await userByUpn('dave@example.com'))!;
    await slapd.ldapmodify([`dn: ${groupDn('alumni')}`, 'changetype: delete', ''].join('\n'));
    const run = await sync('compare');
    assert.equal(run.groupsDeleted, 1);
    assert.equal(await groupByName('alumni'), undefined);
    assert.ok(!(await membersOf(everyone.id)).includes(`group:${alumni.id}`));
    assert.ok((await audits('Delete group')).some((a) => a.targetId === alumni.id));
    const removed = await audits('Remove member from group');
    assert.ok(removed.some((a) => a.targetId === alumni.id && a.modifiedProperties.includes(dave.id)), 'dave left alumni');
    assert.ok(removed.some((a) => a.targetId === everyone.id && a.modifiedProperties.includes(alumni.id)), 'alumni left everyone');
  });

  it('runs on schedule once started: incremental at the next due time', async () => {
    const source = (await t.admin.get(`${SOURCES}/${sourceId}`)).body;
    t.clock.set(new Date(Date.parse(source.nextSyncDateTime) + 1000));
    await t.drain();
    const runs = (await t.admin.get(`${SOURCES}/${sourceId}/runs`)).body.value;
    assert.equal(runs[0].trigger, 'schedule');
    assert.equal(runs[0].mode, 'incremental');
    assert.equal(runs[0].state, 'succeeded', runs[0].error);
    const after = (await t.admin.get(`${SOURCES}/${sourceId}`)).body;
    assert.ok(after.nextSyncDateTime > source.nextSyncDateTime, 'the schedule moved on');
  });

  it('a changed schedule counts from the change; none stops it', async () => {
    const settings = (await t.admin.get(`${SOURCES}/${sourceId}`)).body.settings;
    const off = await t.admin.patch(`${SOURCES}/${sourceId}`, { settings: { ...settings, schedule: { incremental: null, full: null } } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.nextSyncDateTime, null);
    const hourly = await t.admin.patch(`${SOURCES}/${sourceId}`, { settings: { ...settings, schedule: { incremental: 'PT1H', full: 'P7D' } } });
    assert.equal(hourly.body.nextSyncDateTime, new Date(t.clock.now().getTime() + 3_600_000).toISOString());
    assert.equal(hourly.body.nextFullSyncDateTime, new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString());
    assert.ok((await audits('Update identity source')).length >= 2);
  });

  it('a failing directory fails the run, saying why', async () => {
    slapd.pause();
    try {
      await t.admin.patch(`${V1}/connections/${connectionId}`, { timeoutMs: 500 });
      const r = await t.admin.post(`${SOURCES}/${sourceId}/sync`, { mode: 'full' });
      assert.equal(r.status, 202, r.text);
      await t.drain();
      const run = (await t.admin.get(`${SOURCES}/${sourceId}/runs/${r.body.id}`)).body;
      assert.equal(run.state, 'failed');
      assert.ok(run.error && run.error.length > 0, run.error);
      assert.ok(!run.error.includes(slapd.adminPassword));
    } finally {
      slapd.resume();
      await t.admin.patch(`${V1}/connections/${connectionId}`, { timeoutMs: 10_000 });
    }
  });

  it('answers 404 for a run of another source and a sync of a SCIM source is refused', async () => {
    const scim = await t.admin.post(SOURCES, { kind: 'scim', displayName: 'Entra ID' });
    assert.equal(scim.status, 201, scim.text);
    const runs = (await t.admin.get(`${SOURCES}/${sourceId}/runs`)).body.value;
    assert.equal((await t.admin.get(`${SOURCES}/${scim.body.id}/runs/${runs[0].id}`)).status, 404);
    assert.equal((await t.admin.post(`${SOURCES}/${scim.body.id}/sync`, { mode: 'full' })).status, 400);
    assert.equal((await t.admin.post(`${SOURCES}/${sourceId}/sync`, { mode: 'sometimes' })).status, 400);
  });

  it('a connection an identity source reads through cannot be deleted; deleting the source releases its people', async () => {
    const refused = await t.admin.delete(`${V1}/connections/${connectionId}`);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /Corporate directory/);
    const alice = (await userByUpn('alice@example.com'))!;
    assert.equal((await t.admin.delete(`${SOURCES}/${sourceId}`)).status, 204);
    const released = (await userByUpn('alice@example.com'))!;
    assert.equal(released.id, alice.id, 'the user stays');
    assert.equal(released.sourceId, null);
    assert.equal((await groupByName('eng'))!.sourceId, null);
    assert.equal((await t.admin.get(`${SOURCES}/${sourceId}`)).status, 404);
    assert.equal((await t.admin.delete(`${V1}/connections/${connectionId}`)).status, 204);
  });
});
