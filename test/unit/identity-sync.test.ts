import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guidText } from '../../src/connectors/ldap/directory.js';
import {
  isDisabled, laterStamp, mapUserEntry, nextSchedule, planCounts, planSync, resolveMapping, scheduledMode, type HeldUser, type PlanInput, type SourceUser,
} from '../../src/domain/identity-sync.js';

// Directory sync's pure rules: the presets' mapping, the disabled rule, timestamps, the schedule and the
// plan's harder cases (adoption, a name taken elsewhere, an entry moved, an entry made again).

const entry = (dn: string, attributes: Record<string, string[]>) => ({ dn, attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v])) });

const source = (key: string, upn: string, extra: Partial<SourceUser> = {}): SourceUser => ({
  key, dn: `uid=${key},ou=people,dc=x`, managerDn: null, enabled: true, modified: null,
  fields: { userPrincipalName: upn, displayName: upn, mail: upn, mailNickname: null, givenName: null, surname: null, jobTitle: null, department: null, employeeId: null, costCenter: null, division: null, organization: null },
  ...extra,
});
const held = (id: string, s: SourceUser, extra: Partial<HeldUser> = {}): HeldUser => ({ id, sourceId: 'src', sourceKey: s.key, dn: s.dn, fields: s.fields, enabled: s.enabled, managerId: null, ...extra });
let n = 0;
const input = (over: Partial<PlanInput>): PlanInput => ({
  sourceId: 'src', users: [], groups: [], presentUserKeys: null, presentGroupKeys: null, heldUsers: [], heldGroups: [], othersByUpn: new Map(), heldMembers: new Map(),
  newId: () => `new-${++n}`, ...over,
});

describe('identity sync rules', () => {
  it('maps an inetOrgPerson by the OpenLDAP preset, falling back along each property\'s attributes', () => {
    const m = resolveMapping('openldap');
    const r = mapUserEntry(entry('uid=a,ou=people,dc=x', {
      entryUUID: ['u-1'], mail: ['Ann@Example.com'], cn: ['Ann Example'], uid: ['ann'], ou: ['Sales'], title: ['Rep'], manager: ['uid=b,ou=people,dc=x'], modifyTimestamp: ['20261207120000Z'],
    }), m, null);
    assert.ok(r.ok);
    assert.equal(r.value.fields.userPrincipalName, 'Ann@Example.com');
    assert.equal(r.value.fields.displayName, 'Ann Example', 'no displayName: cn');
    assert.equal(r.value.fields.department, 'Sales', 'no departmentNumber: ou');
    assert.equal(r.value.fields.mailNickname, 'ann');
    assert.equal(r.value.managerDn, 'uid=b,ou=people,dc=x');
    assert.equal(r.value.modified, '20261207120000Z');
  });

  it('overrides a property with the source\'s own attribute, or maps nothing with an empty list', () => {
    const m = resolveMapping('openldap', { user: { department: 'o', jobTitle: [] } });
    const r = mapUserEntry(entry('uid=a,dc=x', { entryUUID: ['k'], mail: ['a@x.example'], o: ['Acme'], departmentNumber: ['D1'], title: ['Rep'] }), m, null);
    assert.ok(r.ok);
    assert.equal(r.value.fields.department, 'Acme');
    assert.equal(r.value.fields.jobTitle, null);
  });

  it('refuses an entry without a stable id or a usable userPrincipalName, saying which', () => {
    const m = resolveMapping('openldap');
    const noKey = mapUserEntry(entry('uid=a,dc=x', { mail: ['a@x.example'] }), m, null);
    assert.ok(!noKey.ok && /entryUUID/.test(noKey.error));
    const badUpn = mapUserEntry(entry('uid=b,dc=x', { entryUUID: ['k'], mail: ['not-an-address'] }), m, null);
    assert.ok(!badUpn.ok && /uid=b,dc=x/.test(badUpn.error));
  });

  it('reads Active Directory\'s disabled bit and a configured value list', () => {
    const ad = { attribute: 'userAccountControl', bit: 2 };
    assert.equal(isDisabled(entry('cn=a', { userAccountControl: ['514'] }), ad), true);
    assert.equal(isDisabled(entry('cn=a', { userAccountControl: ['512'] }), ad), false);
    assert.equal(isDisabled(entry('cn=a', { userAccountControl: ['66050'] }), ad), true);
    const list = { attribute: 'employeeType', values: ['Disabled', 'left'] };
    assert.equal(isDisabled(entry('cn=a', { employeeType: ['disabled'] }), list), true);
    assert.equal(isDisabled(entry('cn=a', { employeeType: ['staff'] }), list), false);
    assert.equal(isDisabled(entry('cn=a', {}), null), false);
  });

  it('writes an objectGUID as Active Directory shows it', () => {
    const bytes = Buffer.from('b2c6eb3f1a4c8d4bb5f2a1b2c3d4e5f6', 'hex');
    assert.equal(guidText(bytes), '3febc6b2-4c1a-4b8d-b5f2-a1b2c3d4e5f6');
  });

  it('compares directory timestamps with or without a fraction', () => {
    assert.equal(laterStamp(null, '20261207120000Z'), '20261207120000Z');
    assert.equal(laterStamp('20261207120000.0Z', '20261207115959Z'), '20261207120000.0Z');
    assert.equal(laterStamp('20261207120000Z', '20261207120001.0Z'), '20261207120001.0Z');
  });

  it('schedules a full run first and when due, an incremental one otherwise, the sooner next', () => {
    assert.equal(scheduledMode({ syncCursor: null, nextFullAt: null }, '2026-01-01T00:00:00.000Z'), 'full');
    assert.equal(scheduledMode({ syncCursor: 'c', nextFullAt: '2026-01-02T00:00:00.000Z' }, '2026-01-01T00:00:00.000Z'), 'incremental');
    assert.equal(scheduledMode({ syncCursor: 'c', nextFullAt: '2026-01-01T00:00:00.000Z' }, '2026-01-01T00:00:00.000Z'), 'full');
    const at = '2026-01-01T00:00:00.000Z';
    assert.deepEqual(nextSchedule({ incremental: 'PT15M', full: 'P1D' }, at, true, null), { nextSyncAt: '2026-01-01T00:15:00.000Z', nextFullAt: '2026-01-02T00:00:00.000Z' });
    assert.deepEqual(nextSchedule({ incremental: 'PT15M', full: 'P1D' }, at, false, '2026-01-01T00:10:00.000Z'), { nextSyncAt: '2026-01-01T00:10:00.000Z', nextFullAt: '2026-01-01T00:10:00.000Z' });
    assert.deepEqual(nextSchedule({ incremental: null, full: null }, at, true, null), { nextSyncAt: null, nextFullAt: null });
    assert.equal(nextSchedule({ incremental: 'PT0S', full: null }, at, true, null).nextSyncAt, '2026-01-01T00:01:00.000Z', 'at least a minute apart');
  });

  it('adopts a user Latchkey made under the same name, and refuses one another source owns', () => {
    const ann = source('k-ann', 'ann@x.example');
    const bob = source('k-bob', 'bob@x.example');
    const plan = planSync(input({
      users: [ann, bob],
      othersByUpn: new Map([
        ['ann@x.example', held('api-ann', ann, { sourceId: null, sourceKey: null, dn: null })],
        ['bob@x.example', held('scim-bob', bob, { sourceId: 'other', sourceKey: null, dn: null })],
      ]),
    }));
    assert.deepEqual(plan.userCreates, []);
    assert.equal(plan.userUpdates.length, 1);
    assert.equal(plan.userUpdates[0].id, 'api-ann');
    assert.equal(plan.userUpdates[0].adopted, true);
    assert.equal(plan.errors.length, 1);
    assert.match(plan.errors[0], /bob@x\.example belongs to a user of another identity source/);
  });

  it('keeps a moved entry\'s user and its memberships by the stable id, and resolves the manager by the new DN', () => {
    const before = source('k-1', 'a@x.example');
    const moved = { ...before, dn: 'uid=k-1,ou=moved,dc=x' };
    const sub = source('k-2', 's@x.example', { managerDn: moved.dn });
    const plan = planSync(input({
      users: [moved, sub], heldUsers: [held('u1', before), held('u2', source('k-2', 's@x.example'))],
      groups: [{ key: 'g', dn: 'cn=g,dc=x', displayName: 'g', description: null, memberDns: [moved.dn], modified: null }],
      heldGroups: [{ id: 'g1', sourceKey: 'g', dn: 'cn=g,dc=x', displayName: 'g', description: null }],
      heldMembers: new Map([['g1', new Map([['u1', 'user' as const]])]]),
    }));
    assert.deepEqual(plan.userCreates, []);
    assert.deepEqual(plan.userUpdates.map((u) => [u.id, u.dn]), [['u1', moved.dn]]);
    assert.deepEqual(plan.managers, [{ userId: 'u2', upn: 's@x.example', oldManagerId: null, managerId: 'u1' }]);
    assert.deepEqual([plan.memberAdds, plan.memberRemoves], [[], []], 'still a member under the new DN');
  });

  it('disables users gone from the directory (only in a run that knows everything), never twice', () => {
    const a = source('k-a', 'a@x.example');
    const gone = source('k-gone', 'gone@x.example');
    const already = source('k-off', 'off@x.example', { enabled: false });
    const heldUsers = [held('ua', a), held('ugone', gone), held('uoff', already)];
    assert.deepEqual(planSync(input({ users: [a], heldUsers })).userDisables, [], 'incremental: nothing known to be gone');
    const plan = planSync(input({ users: [a], heldUsers, presentUserKeys: new Set(['k-a']) }));
    assert.deepEqual(plan.userDisables.map((u) => u.id), ['ugone']);
    assert.equal(planCounts(plan).usersDisabled, 1);
  });

  it('lets an entry made again (a new id, the old one gone) take over its user', () => {
    const old = source('k-old', 'a@x.example');
    const again = source('k-new', 'a@x.example');
    const plan = planSync(input({ users: [again], heldUsers: [held('u1', old)], presentUserKeys: new Set(['k-new']) }));
    assert.deepEqual(plan.userCreates, []);
    assert.deepEqual(plan.userUpdates.map((u) => [u.id, u.key, u.adopted]), [['u1', 'k-new', true]]);
    assert.deepEqual(plan.userDisables, [], 'the old entry\'s user lives on as the new one');
    const incremental = planSync(input({ users: [again], heldUsers: [held('u1', old)] }));
    assert.match(incremental.errors[0], /already taken/, 'without knowing the old entry is gone, it is not taken over');
  });
});
