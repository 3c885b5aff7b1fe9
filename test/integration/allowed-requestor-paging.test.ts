import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.js';
import { EM, type ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

// accessPackages/filterByCurrentUser(on='allowedRequestor') over more packages than a page, on its own
// database so that the answer is known exactly: hidden packages, unpublished and internal catalogs,
// packages with two policies, group scopes reached through nesting, guests; every page boundary, the
// skip token, $skip, $count, $filter, $orderby and $expand must give the same packages in the same order
// as one unpaged read, and that read must be exactly what the rules say.

const ALLOWED = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`;

type Who = 'member' | 'groupMember' | 'guest';
type Scope = 'allMemberUsers' | 'allDirectoryUsers' | 'group' | 'allConfiguredConnectedOrganizationUsers';
interface Pkg { id: string; name: string; created: number; hidden: boolean; published: boolean; external: boolean; scopes: Scope[]; policies: { id: string; scope: Scope; enabled: boolean }[] }

/** Who each scope lets in (the caller's own scopes; a disabled policy lets in nobody). */
const admits: Record<Scope, Who[]> = {
  allMemberUsers: ['member', 'groupMember'],
  allDirectoryUsers: ['member', 'groupMember', 'guest'],
  group: ['groupMember'],
  allConfiguredConnectedOrganizationUsers: ['guest'],
};

const byNameThenId = (a: Pkg, b: Pkg) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe("allowedRequestor across pages", () => {
  let t: TestServer;
  const clients = {} as Record<Who, ApiClient>;
  const packages: Pkg[] = [];
  let groupId = '';

  const created = async (p: Promise<{ status: number; body: { id: string }; text: string }>) => {
    const r = await p;
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const policy = (accessPackageId: string, scope: Scope, acceptRequests = true) => created(t.admin.post(`${EM}/assignmentPolicies`, {
    displayName: `${scope} ${newId().slice(0, 6)}`,
    allowedTargetScope: scope === 'group' ? 'specificDirectoryUsers' : scope,
    specificAllowedTargets: scope === 'group' ? [{ '@odata.type': '#microsoft.graph.groupMembers', groupId }] : [],
    requestorSettings: { enableTargetsToSelfAddAccess: true, acceptRequests },
    accessPackage: { id: accessPackageId },
  }));
  const expected = (who: Who) => packages
    .filter((p) => !p.hidden && p.published && (who !== 'guest' || p.external) && p.scopes.some((s) => admits[s].includes(who)))
    .sort(byNameThenId);
  const ids = (list: { id: string }[]) => list.map((p) => p.id);
  const get = async (who: Who, query: string) => {
    const r = await clients[who].get(`${ALLOWED}${query}`);
    assert.equal(r.status, 200, r.text);
    return r.body as { value: { id: string; displayName: string; assignmentPolicies?: { id: string }[] }[]; '@odata.nextLink'?: string; '@odata.count'?: number };
  };
  /** Follows @odata.nextLink from `query` to the end; the pages, in order. */
  const allPages = async (who: Who, query: string) => {
    const pages: { id: string }[][] = [];
    let path: string | undefined = `${ALLOWED}${query}`;
    while (path) {
      const r = await clients[who].get(path);
      assert.equal(r.status, 200, r.text);
      pages.push(r.body.value);
      const link: string | undefined = r.body['@odata.nextLink'];
      path = link ? new URL(link).pathname + new URL(link).search : undefined;
      assert.ok(pages.length < 100, 'the skip tokens end');
    }
    return pages;
  };

  before(async () => {
    t = await startTestServer();
    const catalog = async (body: Record<string, unknown>) => created(t.admin.post(`${EM}/catalogs`, { displayName: `c ${newId().slice(0, 8)}`, ...body }));
    const open = await catalog({});
    const internal = await catalog({ isExternallyVisible: false });
    const unpublished = await catalog({ state: 'unpublished' });
    groupId = await created(t.admin.post('/v1.0/groups', { displayName: 'allowed' }));
    const inner = await created(t.admin.post('/v1.0/groups', { displayName: 'inner' }));
    const addMember = async (group: string, member: string) => {
      const r = await t.admin.post(`/v1.0/groups/${group}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${member}` });
      assert.equal(r.status, 204, r.text);
    };
    await addMember(groupId, inner);
    const domain = `partner${newId().slice(0, 6)}.example`;
    const org = await created(t.admin.post(`${EM}/connectedOrganizations`, {
      displayName: domain, state: 'configured', identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: domain, displayName: domain }],
    }));
    const member = await t.user({ displayName: 'Member' });
    const groupMember = await t.user({ displayName: 'Nested member' });
    await addMember(inner, groupMember.id);
    const guest = await t.user({ displayName: 'Guest', userType: 'Guest', userPrincipalName: `g_${newId().slice(0, 6)}@${domain}`, mail: `g@${domain}` });
    await t.store.db.updateTable('users').set({ connectedOrganizationId: org }).where('id', '=', guest.id).execute();
    Object.assign(clients, { member: member.client, groupMember: groupMember.client, guest: guest.client });

    // 45 packages, created out of name order; three share a name (their order is by id)
    for (let i = 0; i < 45; i++) {
      const k = (i * 17) % 45;
      const name = i === 0 || i === 20 || i === 30 ? 'Pkg 20' : `Pkg ${String(k).padStart(2, '0')}`;
      const where = i % 6 === 4 ? 'internal' : i % 6 === 5 ? 'unpublished' : 'open';
      const catalogId = where === 'internal' ? internal : where === 'unpublished' ? unpublished : open;
      const hidden = i % 7 === 3;
      const id = await created(t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: catalogId }, isHidden: hidden }));
      const pkg: Pkg = { id, name, created: i, hidden, published: where !== 'unpublished', external: where !== 'internal', scopes: [], policies: [] };
      // external policies only where the catalog is enabled for external users
      const kinds: Scope[][] = [['allMemberUsers'], ['group'], ['allMemberUsers', 'group'], where === 'internal' ? ['allDirectoryUsers'] : ['allConfiguredConnectedOrganizationUsers'], ['allDirectoryUsers', 'allMemberUsers']];
      for (const s of kinds[i % 5]) {
        pkg.policies.push({ id: await policy(id, s), scope: s, enabled: true });
        pkg.scopes.push(s);
      }
      // a disabled policy lets nobody in, whatever its scope
      if (i % 8 === 6) pkg.policies.push({ id: await policy(id, 'allDirectoryUsers', false), scope: 'allDirectoryUsers', enabled: false });
      packages.push(pkg);
      t.clock.advance(1000);
    }
  });
  after(async () => { await t?.close(); });

  it('lists exactly the packages each person may request, once each, by name then id', async () => {
    for (const who of ['member', 'groupMember', 'guest'] as const) {
      const want = expected(who);
      assert.ok(want.length > 7, `${who}: enough packages for several pages (${want.length})`);
      const r = await get(who, '?$top=999');
      assert.deepEqual(ids(r.value), ids(want), who);
      assert.equal(r['@odata.nextLink'], undefined);
    }
    // the rules are exercised: hidden, unpublished, internal-for-guests and disabled packages exist among the candidates
    assert.ok(packages.some((p) => p.hidden && p.scopes.includes('allMemberUsers')));
    assert.ok(packages.some((p) => p.scopes.length === 2));
    assert.ok(expected('member').filter((p) => p.name === 'Pkg 20').length >= 3, 'a name shared by several packages');
  });

  it('pages by the skip token: every page in order, none empty, the last without a next link', async () => {
    for (const who of ['member', 'groupMember', 'guest'] as const) {
      const want = ids(expected(who));
      for (const top of [1, 4, 7, want.length, want.length - 1]) {
        const pages = await allPages(who, `?$top=${top}`);
        assert.deepEqual(pages.flat().map((p) => p.id), want, `${who}, $top=${top}`);
        assert.equal(pages.length, Math.ceil(want.length / top), `${who}, $top=${top}: pages`);
        for (const p of pages) assert.ok(p.length > 0 && p.length <= top);
      }
      // no $top: one default page holds them all
      assert.deepEqual(ids((await get(who, '')).value), want);
    }
  });

  it('$skip, $count, $filter, $orderby and $expand give the same answer as one read, cut', async () => {
    const who = 'groupMember';
    const want = expected(who);
    const skipped = await get(who, '?$skip=5&$top=3');
    assert.deepEqual(ids(skipped.value), ids(want.slice(5, 8)));
    assert.ok(skipped['@odata.nextLink']?.includes('%24skiptoken='), 'the next page continues after the skipped ones');
    assert.deepEqual(ids((await get(who, `?$skip=${want.length - 2}&$top=5`)).value), ids(want.slice(-2)));
    assert.equal((await get(who, `?$skip=${want.length - 2}&$top=5`))['@odata.nextLink'], undefined);
    assert.deepEqual((await get(who, `?$skip=${want.length}`)).value, []);

    const counted = await get(who, '?$count=true&$top=2');
    assert.equal(counted['@odata.count'], want.length);
    assert.deepEqual(ids(counted.value), ids(want.slice(0, 2)));
    assert.ok(counted['@odata.nextLink']);

    const starts = want.filter((p) => p.name.startsWith('Pkg 2'));
    assert.ok(starts.length >= 3);
    const filtered = await allPages(who, `?$filter=${encodeURIComponent("startswith(displayName,'Pkg 2')")}&$top=2`);
    assert.deepEqual(filtered.flat().map((p) => p.id), ids(starts));

    const desc = [...want].sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : a.id < b.id ? -1 : 1));
    const descPages = await allPages(who, `?$orderby=${encodeURIComponent('displayName desc')}&$top=4`);
    assert.deepEqual(descPages.flat().map((p) => p.id), ids(desc), 'descending by name, ties still by id');

    const byCreation = [...want].sort((a, b) => a.created - b.created);
    const createdPages = await allPages(who, '?$orderby=createdDateTime&$top=6');
    assert.deepEqual(createdPages.flat().map((p) => p.id), ids(byCreation));

    // a requestor reads the policies they may request under, and only those
    const expanded = await get(who, '?$expand=assignmentPolicies&$top=3&$skip=1');
    const usable = (p: Pkg) => p.policies.filter((x) => x.enabled && admits[x.scope].includes(who)).map((x) => x.id).sort();
    assert.deepEqual(expanded.value.map((p) => [p.id, (p.assignmentPolicies ?? []).map((x) => x.id).sort()]), want.slice(1, 4).map((p) => [p.id, usable(p)]));
  });
});
