import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from 'ldapts';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { ApiClient, EM } from '../support/client.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// The admin portal's reconciliation against a real OpenLDAP: an LDAP group in a catalog whose Member role a
// package holds, assigned to Ken (through the API) and delivered; the assignment's resource roles show his
// directory account. His membership removed behind Latchkey's back is put back by "Reconcile now" (the run
// says 1 repaired); a member nobody granted is listed as unmanaged on the catalog resource, and once the
// resource is exclusively governed (asked for first) the next run removes it from the directory.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const OPS = `cn=ops,${GROUPS}`;
const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;
const person = (uid: string, mail: string) => [`dn: ${dnOf(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid}`, `sn: ${uid}`, `mail: ${mail}`, ''].join('\n');
const member = (change: 'add' | 'delete', uid: string) => [`dn: ${OPS}`, 'changetype: modify', `${change}: member`, `member: ${dnOf(uid)}`, ''].join('\n');

describe('admin portal: reconciliation of an LDAP connection (OpenLDAP)', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let admin: ApiClient;
  let reader: Client;
  let packageId = '';

  const call = async (path: string, method = 'GET', body?: unknown) => {
    const res = await admin.request(method, path, body);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  };
  /** the members of cn=ops as slapd has them (uids), the bind DN standing in for an empty group left out */
  const members = async (): Promise<string[]> => {
    if (!reader.isBound) await reader.bind(slapd.adminDn, slapd.adminPassword);
    const r = await reader.search(OPS, { scope: 'base', attributes: ['member'] });
    const v = r.searchEntries[0]?.member ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).filter((m) => m !== slapd.adminDn).map((m) => /^uid=([^,]+)/.exec(m)?.[1] ?? m).sort();
  };
  const noSecretOnPage = async (what: string) => {
    assert.ok(!(await page.content()).includes(slapd.adminPassword), `${what}: the bind password is in the page`);
  };

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      person('ken', 'ken.thompson@contoso.example'),
      // mallory has a directory entry but is nobody Latchkey knows
      person('mallory', 'mallory@elsewhere.example'),
      `dn: ${OPS}`, 'objectClass: groupOfNames', 'cn: ops', 'description: Operations', `member: ${slapd.adminDn}`, '',
    ].join('\n'));
    reader = new Client({ url: slapd.url, timeout: 5000 });
    server = await startE2eServer();
    admin = new ApiClient(server.url, (await server.app.services.tokens.create('admin@contoso.example', 'e2e reconciliation')).token);

    // the setup through the API: the connection, its group in Engineering, a package with its Member role
    const connection = await call('/latchkey/v1/connections', 'POST', {
      kind: 'ldap', displayName: 'Corporate LDAP', description: null,
      settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: slapd.adminPassword }, timeoutMs: 5000, concurrency: 2, reconcileInterval: null,
    });
    const catalogId = (await call(`${EM}/catalogs?$filter=displayName eq 'Engineering'`)).value[0].id as string;
    await call(`${EM}/resourceRequests`, 'POST', {
      requestType: 'adminAdd', resource: { originId: OPS, originSystem: 'LdapGroup', environment: { id: connection.id } }, catalog: { id: catalogId },
    });
    const resources = (await call(`${EM}/catalogs/${catalogId}/resources?$expand=roles&$top=100`)).value as { displayName: string; roles: { id: string; displayName: string }[] }[];
    const ops = resources.find((r) => r.displayName === 'ops');
    assert.ok(ops, 'the group is in the catalog');
    const memberRole = ops.roles.find((r) => r.displayName === 'Member');
    assert.ok(memberRole, `the group offers Member (it offers ${ops.roles.map((r) => r.displayName).join(', ')})`);
    packageId = (await call(`${EM}/accessPackages`, 'POST', { displayName: 'Operations on-call', catalog: { id: catalogId } })).id;
    await call(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, 'POST', { role: { id: memberRole.id }, scope: { isRootScope: true } });
    const policy = await call(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Direct', description: 'Administrators assign directly.', allowedTargetScope: 'notSpecified', specificAllowedTargets: [],
      expiration: { type: 'afterDuration', duration: 'P7D' }, accessPackage: { id: packageId },
    });
    const ken = (await call('/v1.0/users/ken.thompson@contoso.example')).id as string;
    await call(`${EM}/assignmentRequests`, 'POST', { requestType: 'adminAdd', assignment: { targetId: ken, assignmentPolicyId: policy.id, accessPackageId: packageId } });

    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', `/admin/packages/${packageId}/assignments`);
  });
  after(async () => {
    await reader?.unbind().catch(() => undefined);
    await ctx?.close();
    await browser?.close();
    await server?.close();
    await slapd?.stop();
  });

  const listShown = (p: Page) => p.getByRole('table').or(p.getByText(/^No assignments/)).first().waitFor();
  const runsTable = () => page.getByRole('dialog', { name: 'Reconciliation of Corporate LDAP' }).getByRole('table', { name: 'Reconciliation runs of Corporate LDAP' });
  /** presses Reconcile now on the connections page and answers the new run's row once it is over */
  const reconcileNow = async (runsBefore: number) => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'Reconciliation of Corporate LDAP' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reconciliation of Corporate LDAP' });
    if (runsBefore === 0) await dialog.getByText('This connection has not been reconciled yet.').waitFor();
    else await runsTable().waitFor();
    await dialog.getByRole('button', { name: 'Reconcile now' }).click();
    await dialog.getByText('Reconciliation of Corporate LDAP started.').waitFor();
    // the dialog reads the runs again while one is running: no reload of the page
    const rows = runsTable().locator('tbody tr');
    await eventually(page, `run ${runsBefore + 1} to finish`, async () =>
      (await rows.count()) === runsBefore + 1 && /Succeeded|Failed/.test(await rows.first().locator('td[data-label="State"]').innerText()));
    const run = rows.first();
    assert.equal(await run.locator('td[data-label="State"]').innerText(), 'Succeeded', await run.innerText());
    return { dialog, run, cell: async (label: string) => (await run.locator(`td[data-label="${label}"]`).innerText()).trim() };
  };

  it('shows the delivered role with the account in the directory', async () => {
    await eventually(page, 'the assignment to be delivered', async () => (await page.getByRole('row', { name: /Ken Thompson/ }).getByText('Delivered').count()) === 1,
      { reload: true, afterReload: listShown });
    assert.deepEqual(await members(), ['ken'], 'ken is a member of cn=ops');
    await page.getByRole('button', { name: 'Ken Thompson' }).click();
    const roles = page.getByRole('complementary', { name: 'Assignment details' }).getByRole('list', { name: 'Resource roles of this assignment' });
    const role = roles.getByRole('listitem').filter({ hasText: 'Member of ops' });
    await role.getByText('Delivered', { exact: true }).waitFor();
    assert.match(await role.innerText(), /Account: .*ken/i, 'the account in the directory is shown');
    await assertAccessible(page, 'assignment with a connected resource role');
    await screenshot(page, 'admin-assignment-ldap-account');
  });

  it('puts back a member removed behind its back: Reconcile now, 1 repaired', async () => {
    // ken is the only member: groupOfNames needs one, so the bind DN stands in (as the connector does)
    await slapd.ldapmodify([`dn: ${OPS}`, 'changetype: modify', 'add: member', `member: ${slapd.adminDn}`, '-', 'delete: member', `member: ${dnOf('ken')}`, ''].join('\n'));
    assert.deepEqual(await members(), [], 'removed outside Latchkey');
    const { dialog, cell } = await reconcileNow(0);
    assert.equal(await cell('Repaired'), '1');
    assert.equal(await cell('Unmanaged'), '0');
    assert.equal(await cell('Roles'), '1', 'the one governed role was read');
    assert.deepEqual(await members(), ['ken'], 'ken is a member again');
    await assertAccessible(page, 'reconciliation runs');
    await screenshot(page, 'admin-connection-reconciliation');
    await dialog.locator('.dialog-actions').last().getByRole('button', { name: 'Close' }).click();
    await noSecretOnPage('reconciliation runs');
  });

  it('lists a member nobody granted as unmanaged on the catalog resource', async () => {
    await slapd.ldapmodify(member('add', 'mallory'));
    const { dialog, cell } = await reconcileNow(1);
    assert.equal(await cell('Unmanaged'), '1');
    assert.equal(await cell('Removed'), '0');
    assert.equal(await cell('Repaired'), '0', 'nothing left to repair');
    await dialog.locator('.dialog-actions').last().getByRole('button', { name: 'Close' }).click();
    assert.deepEqual(await members(), ['ken', 'mallory'], 'a resource not exclusively governed is only reported');

    await page.getByRole('link', { name: 'Catalogs' }).click();
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('button', { name: 'Reconciliation of ops' }).click();
    const panel = page.getByRole('dialog', { name: 'Reconciliation of ops' });
    const unmanaged = panel.getByRole('list', { name: 'Unmanaged holders of ops' });
    await unmanaged.waitFor();
    assert.equal(await unmanaged.getByRole('listitem').count(), 1);
    assert.match(await unmanaged.innerText(), /mallory/);
    assert.match(await unmanaged.innerText(), /holds Member/);
    assert.match(await panel.innerText(), /1 unmanaged/, 'the last run is shown');
    assert.equal(await panel.getByRole('switch', { name: 'Exclusively governed' }).isChecked(), false);
    await assertAccessible(page, 'resource reconciliation');
    await screenshot(page, 'admin-resource-unmanaged');
  });

  it('turns on exclusive governance after asking; the next run removes the unmanaged member', async () => {
    const panel = page.getByRole('dialog', { name: 'Reconciliation of ops' });
    const toggle = panel.getByRole('switch', { name: 'Exclusively governed' });
    assert.match(await panel.innerText(), /Latchkey did not grant are removed/, 'the switch says what it does');
    // asked first: cancelling leaves it off
    await toggle.check();
    const confirm = panel.getByRole('group', { name: 'Confirm exclusive governance' });
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /removes the 1 unmanaged holder/);
    await assertAccessible(page, 'exclusive governance confirmation');
    await screenshot(page, 'admin-resource-exclusive-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await toggle.isChecked(), false);
    const before = await server.store.db.selectFrom('resources').select('exclusive').where('displayName', '=', 'ops').executeTakeFirstOrThrow();
    assert.equal(before.exclusive, 0, 'cancelled: not saved');

    await toggle.check();
    await confirm.getByRole('button', { name: 'Turn on' }).click();
    await panel.getByText('ops is now exclusively governed.').waitFor();
    assert.equal(await toggle.isChecked(), true, 'on as soon as it is saved');
    await panel.locator('.dialog-actions').last().getByRole('button', { name: 'Close' }).click();

    const { dialog, cell } = await reconcileNow(2);
    assert.equal(await cell('Removed'), '1');
    await dialog.locator('.dialog-actions').last().getByRole('button', { name: 'Close' }).click();
    assert.deepEqual(await members(), ['ken'], 'mallory is gone from the directory; the granted member stays');

    await page.getByRole('link', { name: 'Catalogs' }).click();
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('button', { name: 'Reconciliation of ops' }).click();
    const removed = page.getByRole('dialog', { name: 'Reconciliation of ops' }).getByRole('list', { name: 'Holders removed from ops' });
    await removed.waitFor();
    assert.match(await removed.innerText(), /mallory/);
    await page.getByRole('dialog', { name: 'Reconciliation of ops' }).getByText('None: every holder', { exact: false }).waitFor();
    await assertAccessible(page, 'resource after an exclusive run');
    await screenshot(page, 'admin-resource-removed');
    await noSecretOnPage('resource reconciliation');
  });
  it('shows a delivery the receiver accepted but has not confirmed as Awaiting confirmation', async () => {
    // the state a webhook receiver's 202 leaves a grant in (delivery-webhook.test.ts makes it for real): set on
    // Ken's grant, which the worker then leaves alone until the receiver confirms or the time is up
    const db = server.store.db;
    const due = new Date(Date.now() + 24 * 3600_000).toISOString();
    const grant = await db.selectFrom('grants').innerJoin('assignments', 'assignments.id', 'grants.assignmentId').select('grants.id')
      .where('assignments.accessPackageId', '=', packageId).executeTakeFirstOrThrow();
    await db.updateTable('grants').set({ state: 'pending', confirmationDueAt: due, deliveryId: `e2e-${grant.id}` }).where('id', '=', grant.id).execute();
    await page.goto(`/admin/packages/${packageId}/assignments`);
    await listShown(page);
    await page.getByRole('button', { name: 'Ken Thompson' }).click();
    const role = page.getByRole('complementary', { name: 'Assignment details' }).getByRole('list', { name: 'Resource roles of this assignment' })
      .getByRole('listitem').filter({ hasText: 'Member of ops' });
    await role.getByText('Awaiting confirmation', { exact: true }).waitFor();
    assert.match(await role.innerText(), /has not confirmed it yet \(due /);
    assert.doesNotMatch(await role.innerText(), /Next attempt/, 'no retry is planned while the receiver may still confirm');
    await assertAccessible(page, 'awaiting confirmation');
    await screenshot(page, 'admin-assignment-awaiting-confirmation');
  });
});
