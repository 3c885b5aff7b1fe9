import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScimFilter } from '../../src/domain/scim/filter.js';
import { planGroupPatch, readPatchBody, applyPatch } from '../../src/domain/scim/patch.js';
import { readScimUser } from '../../src/domain/scim/users.js';
import { project, readPage } from '../../src/domain/scim/list.js';
import { ScimError } from '../../src/domain/scim/errors.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sourceUsersQuery } from '../../src/store/scim.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const scimType = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScimError, String(e));
    return e.scimType;
  }
  assert.fail('expected a SCIM error');
};

describe('SCIM filters', () => {
  it('knows the attributes Latchkey keeps, in any case and with or without the schema URN', () => {
    assert.deepEqual(parseScimFilter('UserName Eq "a@b"', 'User'), { kind: 'compare', attribute: { key: 'userName', type: 'string', caseExact: false }, op: 'eq', value: 'a@b' });
    const ext = parseScimFilter(`${ENT}:department eq "Sales"`, 'User');
    assert.equal(ext.kind === 'compare' && ext.attribute.key, 'department');
    const core = parseScimFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"', 'User');
    assert.equal(core.kind === 'compare' && core.attribute.key, 'userName');
    assert.equal(parseScimFilter('externalId pr', 'User').kind, 'present');
    assert.equal(parseScimFilter('members[value eq "x"]', 'Group').kind, 'member');
    assert.equal(parseScimFilter('members eq "x"', 'Group').kind, 'member');
  });
  it('reads emails[type eq "work"].value as the one work address', () => {
    const f = parseScimFilter('emails[type eq "work"].value eq "a@b"', 'User');
    assert.equal(f.kind, 'and');
    assert.deepEqual(f.kind === 'and' && f.items.map((i) => i.kind), ['present', 'compare']);
    assert.deepEqual(parseScimFilter('emails[type eq "home"]', 'User'), { kind: 'const', value: false });
  });
  it('refuses what it cannot read or apply with invalidFilter', () => {
    for (const bad of ['nickName eq "x"', 'userName eq', '"x"', 'active sw "t"', 'members[value eq "x"]', 'userName eq "a" and']) {
      assert.equal(scimType(() => parseScimFilter(bad, 'User')), 'invalidFilter', bad);
    }
    assert.equal(scimType(() => parseScimFilter('userName eq "x"', 'Group')), 'invalidFilter');
  });
});

describe('SCIM PATCH', () => {
  it("regularises op's case and splits Entra's path-less values with filtered keys", () => {
    const ops = readPatchBody({ Operations: [{ op: 'Add', value: { 'emails[type eq "work"].value': 'a@b', title: 'T', 'name.givenName': 'G' } }] });
    assert.deepEqual(ops, [{ op: 'add', path: 'emails[type eq "work"].value', value: 'a@b' }, { op: 'add', value: { title: 'T', 'name.givenName': 'G' } }]);
    assert.equal(scimType(() => readPatchBody({ Operations: [{ op: 'copy', path: 'x' }] })), 'invalidSyntax');
    assert.equal(scimType(() => readPatchBody({ Operations: [] })), 'invalidSyntax');
    assert.equal(scimType(() => readPatchBody({ Operations: [{ op: 'remove' }] })), 'noTarget');
    assert.equal(scimType(() => readPatchBody({ Operations: [{ op: 'replace', value: 'x' }] })), 'invalidValue');
  });
  it('applies operations to a copy; removing what is not there is no error', () => {
    const doc = { schemas: [], meta: {}, userName: 'a@b', emails: [{ type: 'work', value: 'a@b' }] };
    const out = applyPatch(doc, readPatchBody({ Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'c@d' }, { op: 'remove', path: 'phoneNumbers[type eq "work"]' }] }));
    assert.deepEqual(out.emails, [{ type: 'work', value: 'c@d' }]);
    assert.deepEqual(doc.emails, [{ type: 'work', value: 'a@b' }], 'the input is not changed');
  });
  it('plans member changes without the member list where it can', () => {
    const plan = planGroupPatch(readPatchBody({
      Operations: [
        { op: 'Add', path: 'members', value: [{ value: 'a' }] },
        { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'b' }] },
        { op: 'remove', path: 'members[value eq "c" or value eq "d"]' },
        { op: 'remove', path: 'members[type eq "Group"]' },
        { op: 'replace', value: { id: 'g', displayName: 'New' } },
        { op: 'remove', path: 'members' },
      ],
    }));
    assert.deepEqual(plan.attributes, [{ op: 'replace', value: { displayName: 'New' } }]);
    assert.deepEqual(plan.members.map((m) => m.op), ['add', 'remove', 'remove', 'removeWhere', 'removeAll']);
    assert.deepEqual(plan.members[2].op === 'remove' && plan.members[2].ids, ['c', 'd']);
    const where = plan.members[3].op === 'removeWhere' ? plan.members[3].where : undefined;
    assert.equal(where?.({ value: 'x', type: 'Group' }), true);
    assert.equal(where?.({ value: 'x', type: 'User' }), false);
    assert.equal(scimType(() => planGroupPatch(readPatchBody({ Operations: [{ op: 'add', path: 'members[value eq "x"]', value: 'y' }] }))), 'invalidPath');
  });
});

describe('SCIM User mapping', () => {
  it('reads booleans sent as strings and picks the primary address', () => {
    const u = readScimUser({ userName: 'a@b', active: 'False', emails: [{ value: 'home@b', type: 'home' }, { value: 'p@b', primary: 'True' }] });
    assert.equal(u.accountEnabled, false);
    assert.equal(u.mail, 'p@b');
    assert.equal(u.displayName, 'a@b');
    assert.equal(readScimUser({ userName: 'a@b', [ENT]: { manager: 'm' } }).managerId, 'm');
    assert.equal(scimType(() => readScimUser({ userName: 'a@b', active: 'yes' })), 'invalidValue');
    assert.equal(scimType(() => readScimUser({ displayName: 'x' })), 'invalidValue');
  });
  it('pages and selects', () => {
    assert.deepEqual(readPage('0', '-5'), { startIndex: 1, count: 0 });
    assert.deepEqual(readPage(undefined, '100000'), { startIndex: 1, count: 200 });
    const r = { schemas: [], id: '1', meta: {}, userName: 'u', title: 't', [ENT]: { department: 'd' } };
    assert.deepEqual(Object.keys(project(r, 'userName')), ['schemas', 'id', 'meta', 'userName']);
    assert.deepEqual(Object.keys(project(r, undefined, `${ENT}:department,title`)), ['schemas', 'id', 'meta', 'userName']);
  });
});

describe('SCIM list queries', () => {
  it('look a user up by userName or externalId through an index, not a scan of the users', async () => {
    const store = openStore('sqlite::memory:');
    try {
      await migrateToLatest(store.db);
      for (const f of ['userName eq "a@b"', 'externalId eq "x"']) {
        const q = sourceUsersQuery(store.db, 'source', parseScimFilter(f, 'User')).selectAll('users').compile();
        // the statement as it runs, with its parameters
        const { rows } = await store.db.executeQuery({ ...q, sql: `explain query plan ${q.sql}` });
        const text = JSON.stringify(rows);
        assert.match(text, /USING (COVERING )?INDEX/i, `${f}: ${text}`);
        assert.doesNotMatch(text, /SCAN users/i, `${f}: ${text}`);
      }
    } finally {
      await store.close();
    }
  });
});
