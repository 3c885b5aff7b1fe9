import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { ApiClient, EM } from '../support/client.js';

// Rules that keep the portal trustworthy, walked in the browser: a package with open requests is not
// deleted behind them (the delete dialog lists them and cancels them first); a catalog closed to external
// users offers no external policy choices; an extension says to which date, to the requestor and to the
// approver; an assignment removed early shows when it actually ended.

const DAY = 86_400_000;
const fmt = (page: Page, iso: string) => page.evaluate((x) => new Date(x).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), iso);

describe('trustworthy rules in the portals', () => {
  let server: E2eServer;
  let browser: Browser;
  let adminApi: ApiClient;
  const contexts: BrowserContext[] = [];

  async function call(client: ApiClient, path: string, method = 'GET', body?: unknown) {
    const res = await client.request(method, path, body);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  }
  const admin = (path: string, method = 'GET', body?: unknown) => call(adminApi, path, method, body);
  const clientOf = async (upn: string) => new ApiClient(server.url, (await server.app.services.tokens.create(upn, 'e2e trust')).token);
  const userId = async (upn: string) => (await admin(`/v1.0/users/${upn}`)).id as string;
  const catalogId = async (name: string) => (await admin(`${EM}/catalogs?$filter=displayName eq '${name}'`)).value[0].id as string;
  async function pageAs(name: string, path: string): Promise<Page> {
    const ctx = await newContext(browser, server.url);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signInAs(page, name, path);
    return page;
  }
  const stage = (approverId: string) => ({
    durationBeforeAutomaticDenial: 'P7D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
    primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approverId }], fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [],
  });
  async function makePackage(name: string, catalog = 'Sales and Marketing') {
    return (await admin(`${EM}/accessPackages`, 'POST', { displayName: name, catalog: { id: await catalogId(catalog) } })).id as string;
  }

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    adminApi = new ApiClient(server.url, (await server.app.services.tokens.create('admin@contoso.example', 'e2e trust')).token);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('delete dialog: lists the open request, cancels it, then deletes the package', async () => {
    const pkg = await makePackage('E2E open requests');
    const ross = await userId('ross.geller@contoso.example');
    await admin(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Everyone, approved by Ross', accessPackage: { id: pkg }, allowedTargetScope: 'allMemberUsers', expiration: { type: 'afterDuration', duration: 'P30D' },
      requestorSettings: { enableTargetsToSelfAddAccess: true }, requestApprovalSettings: { isApprovalRequiredForAdd: true, stages: [stage(ross)] },
    });
    const peggy = await clientOf('peggy.olson@contoso.example');
    const req = await call(peggy, `${EM}/assignmentRequests`, 'POST', { requestType: 'userAdd', assignment: { accessPackageId: pkg } });
    assert.equal(req.state, 'pendingApproval');

    const page = await pageAs('Avery Admin', `/admin/packages/${pkg}`);
    await page.getByRole('heading', { name: 'E2E open requests', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete access package' });
    const list = dialog.getByRole('list', { name: 'Open requests' });
    await list.getByRole('listitem').filter({ hasText: /Peggy Olson: Request, Pending approval/ }).waitFor();
    await assertAccessible(page, 'delete dialog with open requests');
    await screenshot(page, 'trust-delete-open-requests');
    // deleting anyway is refused, and says why
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByText(/has open requests/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel this request' }).click();
    await dialog.getByText('Cancelled 1 open request.').waitFor();
    await list.waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    assert.equal((await adminApi.get(`${EM}/accessPackages/${pkg}`)).status, 404, 'the package is gone');
    assert.equal((await call(peggy, `${EM}/assignmentRequests/${req.id}`)).state, 'canceled', "Peggy's history keeps the request, canceled");
  });

  it('policy editor: in a catalog closed to external users the external choices are greyed out, with the reason', async () => {
    // the demo's Engineering catalog does not allow external users
    const pkg = await makePackage('E2E internal only', 'Engineering');
    const page = await pageAs('Avery Admin', `/admin/packages/${pkg}/policies/new`);
    await page.getByRole('heading', { name: 'Add policy' }).waitFor();
    const outside = page.getByRole('radiogroup', { name: 'For users not in your directory' });
    await outside.getByText(/is not open to external users/).waitFor();
    for (const name of [/Specific connected organizations/, /All configured connected organizations/, /All users \(all connected organizations/]) {
      assert.ok(await outside.getByRole('radio', { name }).isDisabled(), `${name} is greyed out`);
    }
    assert.ok(await page.getByRole('radiogroup', { name: 'For users in your directory' }).getByRole('radio', { name: /All members/ }).isEnabled());
    await assertAccessible(page, 'policy editor in a closed catalog');
    await screenshot(page, 'trust-policy-editor-closed-catalog');
  });

  it('catalog edit: switching external users off while a policy is for them is refused, naming the policy', async () => {
    const sales = await catalogId('Sales and Marketing');
    const pkg = await makePackage('E2E partners');
    await admin(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Any external partner', accessPackage: { id: pkg }, allowedTargetScope: 'allExternalUsers', expiration: { type: 'afterDuration', duration: 'P30D' },
      requestorSettings: { enableTargetsToSelfAddAccess: true },
    });
    const page = await pageAs('Avery Admin', `/admin/catalogs/${sales}`);
    await page.getByRole('heading', { name: 'Sales and Marketing', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit catalog' });
    await dialog.getByLabel(/External users allowed/).uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/cannot be closed to external users.*'Any external partner'.*'E2E partners'/).waitFor();
    await screenshot(page, 'trust-catalog-close-refused');
    assert.equal((await admin(`${EM}/catalogs/${sales}`)).isExternallyVisible, true, 'the catalog stays open');
  });

  it('extension: the requestor is told the new end, and the approver sees that it is an extension and to which date', async () => {
    const pkg = await makePackage('E2E extend with approval');
    const ross = await userId('ross.geller@contoso.example');
    const david = await userId('david.ogilvy@contoso.example');
    const policy = await admin(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Assigned, extensions approved by Ross', accessPackage: { id: pkg }, allowedTargetScope: 'notSpecified', expiration: { type: 'afterDuration', duration: 'P10D' },
      requestorSettings: { enableTargetsToSelfUpdateAccess: true }, requestApprovalSettings: { isApprovalRequiredForUpdate: true, stages: [stage(ross)] },
    });
    // assigned until tomorrow: inside the window of a 10-day policy (its last 5 days)
    await admin(`${EM}/assignmentRequests`, 'POST', {
      requestType: 'adminAdd', assignment: { accessPackageId: pkg, assignmentPolicyId: policy.id, targetId: david },
      schedule: { expiration: { type: 'afterDateTime', endDateTime: new Date(Date.now() + DAY).toISOString() } },
    });

    const page = await pageAs('David Ogilvy', '/myaccess/access');
    const row = page.getByRole('row').filter({ hasText: 'E2E extend with approval' });
    await eventually(page, 'the assignment to be delivered', async () => (await row.getByText('Delivered', { exact: true }).count()) > 0,
      { reload: true, intervalMs: 250, afterReload: (p) => p.getByRole('heading', { name: 'My assignments', level: 1 }).waitFor() });
    await row.getByRole('button', { name: 'Extend E2E extend with approval' }).click();
    const dialog = page.getByRole('dialog', { name: 'Extend access' });
    await dialog.getByText(/Extending gives you access until .+ \(10 days from now\)\./).waitFor();
    await dialog.getByText('An approver must agree to the extension.').waitFor();
    await dialog.getByRole('button', { name: 'Request extension' }).click();
    await page.getByText('Your extension of E2E extend with approval was sent for approval.').waitFor();
    const requested = (await admin(`${EM}/assignmentRequests?$filter=accessPackage/id eq '${pkg}' and requestType eq 'userUpdate'`)).value[0];
    const newEnd = await fmt(page, requested.schedule.expiration.endDateTime);

    const approver = await pageAs('Ross Geller', '/myaccess/approvals');
    const card = approver.getByRole('listitem').filter({ hasText: 'E2E extend with approval' });
    await card.getByText('Extend access').waitFor();
    await card.getByText('Extends access until').waitFor();
    await card.getByText(newEnd, { exact: true }).waitFor();
    await assertAccessible(approver, 'approver view of an extension');
    await screenshot(approver, 'trust-approver-extension');
    await card.getByRole('button', { name: /^Approve / }).click();
    await approver.getByRole('dialog').getByText(`David Ogilvy asks to extend E2E extend with approval until ${newEnd}.`).waitFor();
  });

  it('an assignment removed early shows when it actually ended, not its planned end', async () => {
    const pkg = await makePackage('E2E ended early');
    const policy = await admin(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Direct, 30 days', accessPackage: { id: pkg }, allowedTargetScope: 'notSpecified', expiration: { type: 'afterDuration', duration: 'P30D' },
    });
    const peggy = await userId('peggy.olson@contoso.example');
    const add = await admin(`${EM}/assignmentRequests`, 'POST', { requestType: 'adminAdd', assignment: { accessPackageId: pkg, assignmentPolicyId: policy.id, targetId: peggy } });
    const assignmentId = (await admin(`${EM}/assignmentRequests/${add.id}?$expand=assignment`)).assignment.id as string;
    const planned = (await admin(`${EM}/assignments/${assignmentId}`)).schedule.expiration.endDateTime as string;
    await admin(`${EM}/assignmentRequests`, 'POST', { requestType: 'adminRemove', assignment: { id: assignmentId } });
    const ended = await admin(`${EM}/assignments/${assignmentId}`);
    assert.equal(ended.schedule.expiration.endDateTime, ended.expiredDateTime);

    const page = await pageAs('Avery Admin', `/admin/packages/${pkg}/assignments`);
    await page.getByLabel('Status').selectOption('expired');
    await page.getByRole('button', { name: 'Peggy Olson' }).click();
    const detail = page.getByRole('complementary', { name: 'Assignment details' });
    const endedAt = await fmt(page, ended.expiredDateTime);
    await detail.getByText('Ended', { exact: true }).waitFor();
    assert.equal(await detail.locator('dt:text-is("Ended") + dd').textContent(), endedAt);
    assert.equal(await detail.getByText(await fmt(page, planned), { exact: true }).count(), 0, 'the planned end is not shown');
    await screenshot(page, 'trust-ended-early');
  });
});
