import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { eventually, packageTab } from './support/poll.js';
import { EM } from '../support/client.js';

// The access package pages of the admin portal, walked as the seed page describes them: create a
// package, hide it, add and remove resource roles, add policies (one with approval and expiration),
// assign a person directly, see the assignment delivered by the worker, download the CSV, remove the
// assignment, and delete the package — with axe on every tab and screenshots at desktop and phone width.

const PACKAGE = 'E2E lab access';

// after a reload, wait for the list to be there again (or its empty state) before checking
const listShown = (page: Page) => page.getByRole('table').or(page.getByText(/^No (assignments|requests)/)).first().waitFor();
const tab = packageTab;

function parseCsv(text: string): string[][] {
  // the export quotes only what needs it; no field in this test holds a comma or quote
  return text.trim().split(/\r?\n/).map((line) => line.split(','));
}

describe('admin portal: access packages', () => {
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let packageUrl = '';

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', '/admin/packages');
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  it('lists and searches packages, and creates one in a catalog', async () => {
    await page.goto('/admin/packages');
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Release engineering' }).waitFor();
    await assertAccessible(page, 'access package list');
    await screenshot(page, 'admin-packages-list');

    await page.getByLabel('Search by name').fill('sales');
    await page.getByRole('link', { name: 'Sales tools' }).waitFor();
    await eventually(page, 'the search to narrow the list', async () => (await page.getByRole('link', { name: 'Release engineering' }).count()) === 0);
    await page.getByLabel('Search by name').fill('');

    await page.getByRole('button', { name: 'New access package' }).click();
    const dialog = page.getByRole('dialog', { name: 'New access package' });
    // validation before sending: nothing filled in
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Give the access package a name.').waitFor();
    await dialog.getByText('Choose the catalog the package belongs to.').waitFor();
    await dialog.getByLabel('Name').fill(PACKAGE);
    await dialog.getByLabel('Description').fill('Lab machines for the e2e test.');
    await dialog.getByLabel('Catalog').selectOption({ label: 'Engineering' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: PACKAGE, level: 1 }).waitFor();
    packageUrl = new URL(page.url()).pathname;
    assert.match(packageUrl, /^\/admin\/packages\/[0-9a-f-]{36}$/, 'the new package opens at its own address');
  });

  it('overview: edit hides the package; the My Access link is shown for copying', async () => {
    await page.goto(packageUrl);
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit access package' });
    await dialog.getByLabel('Name').fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Give the access package a name.').waitFor();
    await dialog.getByLabel('Name').fill(PACKAGE);
    await dialog.getByRole('radio', { name: /^Yes — only the direct/ }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The access package was saved.').waitFor();
    await page.getByText(/^Yes — listed in no one/).waitFor();
    const id = packageUrl.split('/').pop()!;
    assert.equal(await page.getByLabel('My Access link').inputValue(), `${server.url}/myaccess/packages/${id}`, 'the direct link names the package');
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText(/Link copied|the link is selected/).waitFor();
    await assertAccessible(page, 'package overview');
    await screenshot(page, 'admin-package-overview');
  });

  it('resource roles: add two roles, remove one through its row menu', async () => {
    await tab(page, 'Resource roles').click();
    await page.getByText(/no resource roles yet/).waitFor();
    for (const resource of ['Deploy Operators', 'Production Database Readers']) {
      await page.getByRole('button', { name: 'Add resource role' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add resource role' });
      await dialog.getByRole('button', { name: 'Add' }).click();
      await dialog.getByText('Choose a resource of the catalog.').waitFor();
      await dialog.getByLabel('Resource').selectOption({ label: `${resource} (Group)` });
      await dialog.getByLabel('Role').selectOption({ label: 'Member' });
      await dialog.getByRole('button', { name: 'Add' }).click();
      await page.getByRole('cell', { name: resource, exact: true }).waitFor();
    }
    await assertAccessible(page, 'resource roles tab');
    await screenshot(page, 'admin-package-resource-roles');

    // the row menu opens from the keyboard and closes with Escape
    const menuButton = page.getByRole('button', { name: 'More actions for Member of Deploy Operators' });
    await menuButton.focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('menuitem', { name: 'Remove resource role' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('menu').count(), 0, 'Escape closes the menu');
    await menuButton.click();
    await page.getByRole('menuitem', { name: 'Remove resource role' }).click();
    await page.getByRole('dialog', { name: 'Remove resource role' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Removed Member of Deploy Operators.').waitFor();
    await eventually(page, 'the removed role to leave the list', async () => (await page.getByRole('cell', { name: 'Deploy Operators', exact: true }).count()) === 0);
    assert.equal(await page.getByRole('cell', { name: 'Production Database Readers', exact: true }).count(), 1, 'the other role stays');
  });

  it('policies: one with approval, a question, expiration and extension; one for direct assignments', async () => {
    await tab(page, 'Policies').click();
    await page.getByText(/No policies yet/).waitFor();
    await page.getByRole('link', { name: 'Add policy' }).click();
    await page.getByRole('heading', { name: 'Add policy' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Engineers, approved by Grace');

    // who can request: the Engineering group, found by typing
    const targets = page.getByRole('combobox', { name: 'Users and groups who may request' });
    await targets.fill('Engineer');
    await page.getByRole('option', { name: /^Engineering/ }).click();
    await page.getByRole('list', { name: /Users and groups who may request: chosen/ }).getByText('Engineering').waitFor();

    await page.getByRole('group', { name: 'Require approval' }).getByLabel('Yes').check();
    await page.getByRole('group', { name: 'Require requestor justification' }).getByLabel('Yes').check();
    await page.getByLabel('Number of days').check();
    await page.getByLabel('Assignments end after (days)').fill('30');
    await page.getByRole('group', { name: 'Allow users to extend access' }).getByLabel('Yes').check();
    await page.getByRole('group', { name: 'Require approval to extend access' }).getByLabel('Yes').check();
    await page.getByRole('button', { name: 'Add text question' }).click();
    await page.getByLabel('Question 1 text').fill('Which lab?');

    // validation before sending: the stage has no approver yet
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Stage 1 needs at least one approver.').waitFor();

    const approvers = page.getByRole('combobox', { name: 'First approvers' });
    await approvers.fill('Grace');
    await page.getByRole('option', { name: /^Grace Hopper/ }).click();
    await page.getByLabel('Decision must be made in how many days?').fill('7');
    await assertAccessible(page, 'policy editor');
    await screenshot(page, 'admin-package-policy-editor');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Policy “Engineers, approved by Grace” added.').waitFor();
    const row = page.getByRole('row', { name: /Engineers, approved by Grace/ });
    await row.getByText('1 stage').waitFor();
    await row.getByText('After 30 days').waitFor();

    // the stored policy has what the form said, read back into the editor
    await page.getByRole('link', { name: 'Engineers, approved by Grace' }).click();
    await page.getByRole('heading', { name: /Edit policy/ }).waitFor();
    assert.equal(await page.getByLabel('Question 1 text').inputValue(), 'Which lab?', 'the question was stored');
    await page.getByRole('list', { name: /First approvers: chosen/ }).getByText('Grace Hopper').waitFor();
    assert.equal(await page.getByLabel('Decision must be made in how many days?').inputValue(), '7', 'the decision deadline was stored');
    await page.getByRole('link', { name: 'Cancel' }).click();

    // edit it: a second stage approved by the requestor's manager (needs fallbacks) with escalation,
    // a multiple-choice question, and an end date instead of a number of days
    await page.getByRole('link', { name: 'Engineers, approved by Grace' }).click();
    await page.getByRole('button', { name: 'Add approval stage' }).click();
    const second = page.getByRole('group', { name: 'Second approval stage' });
    await second.getByRole('button', { name: '+ Manager of the requestor' }).click();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await second.getByText(/name fallback approvers/).waitFor();
    await second.getByRole('combobox', { name: 'Second stage fallback approvers' }).fill('Ross');
    await page.getByRole('option', { name: /^Ross Geller/ }).click();
    await second.getByRole('group', { name: 'Enable escalation' }).getByLabel('Yes').check();
    await second.getByLabel('Escalate after how many hours?').fill('24');
    await second.getByRole('combobox', { name: 'Second stage escalation approvers' }).fill('Jen');
    await page.getByRole('option', { name: /^Jen Barber/ }).click();
    await page.getByRole('button', { name: 'Add multiple-choice question' }).click();
    await page.getByLabel('Question 2 text').fill('Which building?');
    await page.getByLabel('Question 2 choice 1').fill('North');
    await page.getByLabel('Question 2 choice 2').fill('South');
    const nextYear = new Date().getFullYear() + 1;
    await page.getByRole('radio', { name: 'On date' }).check();
    await page.getByLabel('Assignments end on').fill(`${nextYear}-06-30`);
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy “Engineers, approved by Grace” saved.').waitFor();
    const edited = page.getByRole('row', { name: /Engineers, approved by Grace/ });
    await edited.getByText('2 stages').waitFor();
    await edited.getByText(new RegExp(`^On .*${nextYear}`)).waitFor();
    await page.getByRole('link', { name: 'Engineers, approved by Grace' }).click();
    await page.getByRole('list', { name: /Second stage escalation approvers: chosen/ }).getByText('Jen Barber').waitFor();
    assert.equal(await page.getByLabel('Question 2 choice 2').inputValue(), 'South', 'the choices were stored');
    await page.getByRole('link', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Add policy' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Direct assignments');
    await page.getByRole('radio', { name: /^None \(administrator direct assignments only\)/ }).check();
    await page.getByLabel('Number of days').check();
    await page.getByLabel('Assignments end after (days)').fill('14');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('row', { name: /Direct assignments/ }).getByText('After 14 days').waitFor();
    await assertAccessible(page, 'policies tab');
    await screenshot(page, 'admin-package-policies');
  });

  it('assignments: assign directly, see it delivered, download the CSV; the package cannot be deleted meanwhile', async () => {
    await tab(page, 'Assignments').click();
    await page.getByText(/No assignments/).waitFor();
    await page.getByRole('button', { name: 'New assignment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New assignment' });
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByText('Pick at least one user.').waitFor();
    await dialog.getByRole('combobox', { name: 'Users' }).fill('Alan');
    await page.getByRole('option', { name: /^Alan Turing/ }).click();
    await dialog.getByLabel('Policy').selectOption({ label: 'Direct assignments' });
    await dialog.getByLabel('Justification (optional)').fill('Lab rotation');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByText('Assigned Alan Turing. Access is being delivered.').waitFor();
    await eventually(page, 'the assignment to be delivered', async () => (await page.getByRole('row', { name: /Alan Turing/ }).getByText('Delivered').count()) === 1, { reload: true, afterReload: listShown });

    await page.getByRole('button', { name: 'Alan Turing' }).click();
    const detail = page.getByRole('complementary', { name: 'Assignment details' });
    await detail.getByText('Direct assignments', { exact: true }).waitFor();
    await detail.getByText('Lab rotation').waitFor();
    await detail.getByText('No fulfilment errors.').waitFor();
    await assertAccessible(page, 'assignments tab');
    await screenshot(page, 'admin-package-assignments');

    // the Download link carries the filter; its file is the filtered list
    await page.getByLabel('Status').selectOption({ label: 'Delivered' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()]);
    const csv = parseCsv(await readFile((await download.path())!, 'utf8'));
    assert.deepEqual(csv[0].slice(0, 8), ['assignmentId', 'targetDisplayName', 'targetPrincipalName', 'targetEmail', 'accessPackage', 'policy', 'state', 'status'], 'CSV header');
    assert.equal(csv.length, 2, `one assignment in the CSV: ${JSON.stringify(csv)}`);
    assert.equal(csv[1][1], 'Alan Turing');
    assert.equal(csv[1][4], PACKAGE);
    assert.equal(csv[1][5], 'Direct assignments');
    assert.equal(csv[1][6], 'delivered');
    await page.getByLabel('Status').selectOption({ label: 'Expired' });
    const [expiredDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()]);
    assert.equal(parseCsv(await readFile((await expiredDownload.path())!, 'utf8')).length, 1, 'the expired filter exports only the header');

    // deleting is refused while someone holds the package, with the reason
    await tab(page, 'Overview').click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete access package' });
    await del.getByRole('button', { name: 'Delete' }).click();
    await del.getByText(/still has assignments/).waitFor();
    await del.getByText(/People still hold this access package/).waitFor();
    await del.getByRole('button', { name: 'Cancel' }).click();
  });

  it('requests: the direct assignment request with its detail', async () => {
    await tab(page, 'Requests').click();
    await page.getByRole('button', { name: 'Alan Turing' }).click();
    const detail = page.getByRole('complementary', { name: 'Request details' });
    await detail.getByText('Direct assignment', { exact: true }).waitFor();
    await detail.getByText('Avery Admin').waitFor();
    await detail.getByText('No fulfilment errors.').waitFor();
    assert.equal(await detail.getByRole('button', { name: 'Cancel request' }).count(), 0, 'a delivered request cannot be canceled');
    await assertAccessible(page, 'requests tab');
    await screenshot(page, 'admin-package-requests');
  });

  it('requests: fulfilment errors are counted and listed; reprocess delivers again', async () => {
    // The demo directory never refuses a change, so the failure is written to the database as the
    // worker would record it after its last attempt; the reprocess and redelivery that follow are real.
    const db = server.store.db;
    const packageId = packageUrl.split('/').pop()!;
    const req = await db.selectFrom('assignmentRequests').select(['id', 'assignmentId']).where('accessPackageId', '=', packageId).executeTakeFirstOrThrow();
    assert.ok(req.assignmentId, 'the direct assignment request has its assignment');
    await db.updateTable('grants').set({ state: 'failed', attempts: 5, nextAttemptAt: null, lastError: 'The directory refused the change (simulated outage).' })
      .where('assignmentId', '=', req.assignmentId).execute();
    await db.updateTable('assignmentRequests').set({ state: 'deliveryFailed', status: 'DeliveryFailed' }).where('id', '=', req.id).execute();
    await db.updateTable('assignments').set({ state: 'deliveryFailed', status: 'DeliveryFailed' }).where('id', '=', req.assignmentId).execute();

    await page.reload();
    await page.getByLabel('Status').selectOption({ label: 'Delivery failed' });
    const row = page.getByRole('row', { name: /Alan Turing/ });
    assert.equal(await row.getByRole('cell').last().textContent(), '1', 'the list counts one fulfilment error');
    await page.getByRole('button', { name: 'Alan Turing' }).click();
    const detail = page.getByRole('complementary', { name: 'Request details' });
    await detail.getByRole('button', { name: '1 fulfilment error' }).click();
    await detail.getByText(/simulated outage/).waitFor();
    await screenshot(page, 'admin-package-request-errors');
    await detail.getByRole('button', { name: 'Reprocess' }).click();
    await page.getByText(/Reprocessing the request of Alan Turing/).waitFor();
    await page.getByLabel('Status').selectOption({ label: 'Delivered' });
    await eventually(page, 'the request to be delivered again', async () => (await page.getByRole('row', { name: /Alan Turing/ }).getByText('Delivered').count()) === 1, { reload: true, afterReload: listShown });
  });

  it('requests: an administrator cancels another person’s pending request', async () => {
    // Ada asks for Release engineering through the API with her own session (My Access has its own test)
    const adaCtx = await newContext(browser, server.url);
    const ada = await adaCtx.newPage();
    await signInAs(ada, 'Ada Lovelace');
    const write = { 'X-Latchkey-Request': '1' };
    const me = await (await ada.request.get('/latchkey/v1/me')).json() as { id: string };
    const found = await (await ada.request.get(`${EM}/accessPackages?$filter=${encodeURIComponent("displayName eq 'Release engineering'")}`)).json() as { value: { id: string }[] };
    const packageId = found.value[0].id;
    const reqs = await (await ada.request.post(`${EM}/accessPackages/${packageId}/getApplicablePolicyRequirements`, { headers: write })).json() as { value: { policyId: string }[] };
    const submitted = await ada.request.post(`${EM}/assignmentRequests`, {
      headers: write,
      data: { requestType: 'userAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: reqs.value[0].policyId, targetId: me.id }, justification: 'Ship the release' },
    });
    assert.equal(submitted.status(), 201, await submitted.text());
    await adaCtx.close();

    await page.goto(`/admin/packages/${packageId}/requests`);
    await page.getByLabel('Status').selectOption({ label: 'Pending approval' });
    await page.getByRole('button', { name: 'Ada Lovelace' }).click();
    const detail = page.getByRole('complementary', { name: 'Request details' });
    await detail.getByText('Ship the release').waitFor();
    await detail.getByRole('button', { name: 'Cancel request' }).click();
    await page.getByRole('dialog', { name: 'Cancel request' }).getByRole('button', { name: 'Cancel request' }).click();
    await page.getByText('The request of Ada Lovelace was canceled.').waitFor();
    await page.getByLabel('Status').selectOption({ label: 'Canceled' });
    await page.getByRole('row', { name: /Ada Lovelace/ }).getByText('Canceled').waitFor();
    await page.goto(packageUrl);
  });

  it('removes the assignment, then deletes the package', async () => {
    await tab(page, 'Assignments').click();
    await page.getByLabel('Select Alan Turing').check();
    await page.getByRole('button', { name: 'Remove (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove assignments' });
    await dialog.getByLabel('Justification (optional)').fill('Rotation over');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await page.getByText(/Removing 1 assignment/).waitFor();
    await page.getByLabel('Status').selectOption({ label: 'Expired' });
    await eventually(page, 'the assignment to end', async () => (await page.getByRole('row', { name: /Alan Turing/ }).getByText('Expired').count()) === 1, { reload: true, afterReload: listShown });

    await tab(page, 'Overview').click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete access package' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    await page.getByLabel('Search by name').fill(PACKAGE);
    await page.getByText('No access package matches this search.').waitFor();
  });

  it('a seeded policy with manager approval opens in the editor and saves unchanged', async () => {
    await page.goto('/admin/packages?q=Sales%20tools');
    await page.getByRole('link', { name: 'Sales tools' }).click();
    await tab(page, 'Policies').click();
    await page.getByRole('link', { name: 'Sales and Marketing, manager approval' }).click();
    await page.getByRole('list', { name: /First approvers: chosen/ }).getByText('Manager of the requestor').waitFor();
    await page.getByRole('list', { name: /First stage fallback approvers: chosen/ }).getByText('Don Draper').waitFor();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy “Sales and Marketing, manager approval” saved.').waitFor();
  });

  it('an assignment manager of the catalog may assign but not change the package', async () => {
    const jenCtx = await newContext(browser, server.url);
    const jen = await jenCtx.newPage();
    await signInAs(jen, 'Jen Barber', '/admin/packages');
    // only the packages of her catalog are listed
    await jen.getByRole('link', { name: 'Release engineering' }).waitFor();
    assert.equal(await jen.getByRole('link', { name: 'Sales tools' }).count(), 0, 'packages of other catalogs are not listed');
    assert.ok(await jen.getByRole('button', { name: 'New access package' }).isDisabled(), 'she may not create packages');
    await jen.getByRole('link', { name: 'Release engineering' }).click();
    assert.ok(await jen.getByRole('button', { name: 'Edit' }).isDisabled(), 'Edit is disabled');
    assert.match(await jen.getByRole('button', { name: 'Edit' }).getAttribute('title') ?? '', /catalog owner or access package manager/, 'and says why');
    await tab(jen, 'Policies').click();
    assert.ok(await jen.getByRole('button', { name: 'Add policy' }).isDisabled(), 'Add policy is disabled');
    await tab(jen, 'Assignments').click();
    assert.ok(await jen.getByRole('button', { name: 'New assignment' }).isEnabled(), 'she may assign');
    await jenCtx.close();
  });

  it('works at phone width', async () => {
    const phone = await newContext(browser, server.url, { phone: true });
    const p = await phone.newPage();
    await signInAs(p, 'Avery Admin', '/admin/packages');
    await p.getByRole('link', { name: 'Release engineering' }).click();
    await p.getByRole('heading', { name: 'Release engineering', level: 1 }).waitFor();
    await tab(p, 'Policies').click();
    await p.getByRole('link', { name: /Engineers, approved by the head/ }).waitFor();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at 390px (overflow ${overflow}px)`);
    await assertAccessible(p, 'policies at phone width');
    await screenshot(p, 'admin-package-policies-phone');
    await p.getByRole('link', { name: /Engineers, approved by the head/ }).click();
    await p.getByRole('heading', { name: /Edit policy/ }).waitFor();
    await p.getByRole('list', { name: /Second approvers: chosen/ }).getByText('Ross Geller').waitFor();
    const editorOverflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(editorOverflow <= 1, `the policy editor fits 390px (overflow ${editorOverflow}px)`);
    await assertAccessible(p, 'policy editor at phone width');
    await screenshot(p, 'admin-package-policy-editor-phone');
    await phone.close();
  });
});
