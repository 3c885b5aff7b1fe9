import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { DAY, HOUR, V1 } from '../support/lifecycle.js';
import { CORE_USER, ENTERPRISE, PATCH_OP, provisioningClient, type ScimClient } from '../support/scim-provisioning.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// Joiner, mover, leaver end to end, each part real: an identity provider provisions a person through
// /scim/v2 (Entra's shapes) into Sales; an auto-assignment policy (user.department -eq "Sales") gives them
// a package whose role is a group of a real OpenLDAP; moved to Marketing, they lose it once the grace
// period is over; back in Sales they get it again; deactivated (active "False", as Entra sends it) they
// lose everything, in Latchkey and in slapd.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const ACTIVE = ['delivering', 'delivered', 'partiallyDelivered', 'deliveryFailed'];

describe('joiner, mover, leaver: SCIM in, auto-assignment, access in OpenLDAP', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let t: TestServer;
  let reader: Client;
  let entra: ScimClient;
  let packageId = '';

  const members = async (): Promise<string[]> => {
    if (!reader.isBound) await reader.bind(slapd.adminDn, slapd.adminPassword);
    const r = await reader.search(`cn=sales,${GROUPS}`, { scope: 'base', attributes: ['member'] });
    const v = r.searchEntries[0]?.member ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).filter((m) => m !== slapd.adminDn).sort();
  };
  const assignmentsOf = (userId: string) => t.store.db.selectFrom('assignments').select(['id', 'accessPackageId', 'state'])
    .where('targetId', '=', userId).where('state', 'in', ACTIVE).execute();
  const setDepartment = async (id: string, department: string) => {
    const r = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ENTERPRISE}:department`, value: department }] });
    assert.ok(r.status === 200 || r.status === 204, r.text);
  };

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      `dn: uid=jo,${PEOPLE}`, 'objectClass: inetOrgPerson', 'uid: jo', 'cn: Jo', 'sn: Joiner', 'mail: jo@contoso.test', '',
      `dn: cn=sales,${GROUPS}`, 'objectClass: groupOfNames', 'cn: sales', `member: ${slapd.adminDn}`, '',
    ].join('\n'));
    reader = new Client({ url: slapd.url, timeout: 5000 });
    t = await startTestServer();
    entra = await provisioningClient(t, 'Entra ID');
    const connectionId = await makeConnection(t, {
      kind: 'ldap', displayName: 'Corporate LDAP',
      settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: slapd.adminPassword }, timeoutMs: 3000,
    });
    const fx = await makeCatalogAndPackage(t, 'Sales tools');
    packageId = fx.packageId;
    await addConnectedRole(t, { connectionId, ...fx, originId: `cn=sales,${GROUPS}`, roleOriginId: 'member' });
    const policy = await t.admin.post(`${EM}/assignmentPolicies`, {
      displayName: `Sales, automatically ${newId().slice(0, 6)}`, description: 'everyone in Sales', allowedTargetScope: 'specificDirectoryUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', description: 'Sales', membershipRule: 'user.department -eq "Sales"' }],
      automaticRequestSettings: { requestAccessForAllowedTargets: true, removeAccessWhenTargetLeavesAllowedTargets: true, gracePeriodBeforeAccessRemoval: 'P1D' },
      accessPackage: { id: packageId },
    });
    assert.equal(policy.status, 201, policy.text);
    await t.drain();
  });
  after(async () => {
    await reader?.unbind().catch(() => undefined);
    await t?.close();
    await slapd?.stop();
  });

  it('provisioned into Sales: assigned without asking, in the LDAP group; moved: out after the grace period; back: in again; deactivated: out of everything', async () => {
    // joiner
    const created = await entra.post('/Users', {
      schemas: [CORE_USER, ENTERPRISE], externalId: 'jo-0001', userName: 'jo@contoso.test', active: true, displayName: 'Jo Joiner',
      name: { givenName: 'Jo', familyName: 'Joiner' }, emails: [{ primary: true, type: 'work', value: 'jo@contoso.test' }],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: 'E-0001' },
    });
    assert.equal(created.status, 201, created.text);
    const jo = created.body.id as string;
    await t.drain();
    assert.deepEqual((await assignmentsOf(jo)).map((a) => [a.accessPackageId, a.state]), [[packageId, 'delivered']], 'the joiner holds the package');
    assert.deepEqual(await members(), [`uid=jo,${PEOPLE}`], 'and is in the group in slapd');
    const graph = await t.admin.get(`${V1}/users/${jo}?$select=id,department,identitySource`);
    assert.equal(graph.body.department, 'Sales');
    assert.equal(graph.body.identitySource.displayName, 'Entra ID');

    // mover: out of the rule, access kept through the grace period, then removed, in slapd too
    await setDepartment(jo, 'Marketing');
    await t.drain();
    assert.equal((await assignmentsOf(jo)).length, 1, 'within the grace period');
    assert.deepEqual(await members(), [`uid=jo,${PEOPLE}`]);
    t.clock.advance(DAY + HOUR);
    await t.drain();
    assert.deepEqual(await assignmentsOf(jo), [], 'removed once the grace period ended');
    assert.deepEqual(await members(), [], 'and out of the group in slapd');

    // back into the rule: a joiner again
    await setDepartment(jo, 'Sales');
    await t.drain();
    assert.equal((await assignmentsOf(jo)).length, 1);
    assert.deepEqual(await members(), [`uid=jo,${PEOPLE}`]);

    // leaver: Entra's deactivation, a boolean as a string
    const off = await entra.patch(`/Users/${jo}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    assert.ok(off.status === 200 || off.status === 204, off.text);
    await t.drain();
    assert.deepEqual(await assignmentsOf(jo), [], 'the leaver holds nothing');
    assert.deepEqual(await members(), [], 'and is out of the group in slapd');
    const user = await t.admin.get(`${V1}/users/${jo}?$select=accountEnabled`);
    assert.equal(user.body.accountEnabled, false);
    const removals = await t.store.db.selectFrom('assignmentRequests').select(['requestType', 'justification', 'state'])
      .where('targetId', '=', jo).where('requestType', '=', 'systemRemove').orderBy('createdAt').execute();
    assert.equal(removals.length, 2, 'the mover removal and the leaver removal, both through the request door');
    assert.ok(removals.every((r) => r.state === 'delivered'));
    assert.match(removals[1].justification ?? '', /disabled/);
  });
});
