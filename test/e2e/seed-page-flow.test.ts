import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { eventually, packageTab } from './support/poll.js';

// The seed page's story end to end, with three people in three browsers: the administrator builds a
// package with an approval-and-expiration policy, an engineer requests it in My Access, the approver
// approves, the administrator sees the access delivered, downloads the CSV, cancels another pending
// request, adds and removes a resource role, hides the package (gone from My Access), cannot delete it
// while it is assigned, removes the assignment and deletes it.

const PACKAGE = 'Lab bench access';
const POLICY = 'Engineers, approved by Grace';

// the seed story reloads between tries unless told otherwise
const POLL = { reload: true, intervalMs: 750 };
const tab = packageTab;

describe('the seed page, end to end in the browser', () => {
  let server: E2eServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: Page;
  let packagePath = '';

  async function personPage(name: string): Promise<Page> {
    const ctx = await newContext(browser, server.url);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signInAs(page, name);
    return page;
  }

  async function request(page: Page, justification: string): Promise<void> {
    await page.goto(`${packagePath.replace('/admin/packages/', '/myaccess/packages/')}`);
    await page.getByRole('heading', { name: PACKAGE, level: 1 }).waitFor();
    await page.getByLabel(/Business justification/).fill(justification);
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Your request was submitted.').waitFor();
  }

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    admin = await personPage('Avery Admin');
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('the administrator creates the package, a resource role and a policy with approval and expiration', async () => {
    await admin.goto('/admin/packages');
    await admin.getByRole('button', { name: 'New access package' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New access package' });
    await dialog.getByLabel('Name').fill(PACKAGE);
    await dialog.getByLabel('Description').fill('Benches in the hardware lab.');
    await dialog.getByLabel('Catalog').selectOption({ label: 'Engineering' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('heading', { name: PACKAGE, level: 1 }).waitFor();
    packagePath = new URL(admin.url()).pathname;

    await tab(admin, 'Resource roles').click();
    await admin.getByRole('button', { name: 'Add resource role' }).click();
    const add = admin.getByRole('dialog', { name: 'Add resource role' });
    await add.getByLabel('Resource').selectOption({ label: 'Deploy Operators (Group)' });
    await add.getByLabel('Role').selectOption({ label: 'Member' });
    await add.getByRole('button', { name: 'Add' }).click();
    await admin.getByRole('cell', { name: 'Deploy Operators', exact: true }).waitFor();

    await tab(admin, 'Policies').click();
    await admin.getByRole('link', { name: 'Add policy' }).click();
    await admin.getByLabel('Name', { exact: true }).fill(POLICY);
    await admin.getByRole('combobox', { name: 'Users and groups who may request' }).fill('Engineer');
    await admin.getByRole('option', { name: /^Engineering/ }).click();
    await admin.getByRole('group', { name: 'Require approval' }).getByLabel('Yes').check();
    await admin.getByRole('group', { name: 'Require requestor justification' }).getByLabel('Yes').check();
    await admin.getByRole('combobox', { name: 'First approvers' }).fill('Grace');
    await admin.getByRole('option', { name: /^Grace Hopper/ }).click();
    await admin.getByLabel('Number of days').check();
    await admin.getByLabel('Assignments end after (days)').fill('30');
    await admin.getByRole('button', { name: 'Create policy' }).click();
    await admin.getByRole('row', { name: new RegExp(POLICY) }).getByText('After 30 days').waitFor();
    await screenshot(admin, 'flow-policy-created');
  });

  it('an engineer requests it in My Access and another engineer does too', async () => {
    const alan = await personPage('Alan Turing');
    await alan.getByRole('list', { name: 'Access packages you can request' }).getByRole('heading', { name: PACKAGE }).waitFor();
    await request(alan, 'Building the bombe prototype.');
    await alan.getByRole('link', { name: 'Request history' }).first().click();
    await alan.getByRole('row').filter({ hasText: PACKAGE }).getByText('Pending approval').waitFor();
    await screenshot(alan, 'flow-requested');
    const ada = await personPage('Ada Lovelace');
    await request(ada, 'Analytical engine trials.');
  });

  it('the approver approves the first request', async () => {
    const grace = await personPage('Grace Hopper');
    await grace.getByRole('navigation', { name: 'My Access' }).getByRole('link', { name: 'Approvals' }).click();
    const item = grace.getByRole('listitem').filter({ hasText: 'Alan Turing' }).filter({ hasText: PACKAGE });
    await item.getByText('Building the bombe prototype.').waitFor();
    await screenshot(grace, 'flow-approvals');
    await item.getByRole('button', { name: /^Approve Alan Turing/ }).click();
    const dialog = grace.getByRole('dialog', { name: 'Approve request' });
    await dialog.getByLabel(/Justification/).fill('Go ahead.');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await grace.getByText(/Approved: Alan Turing asks for/).waitFor();
  });

  it('the administrator sees the delivered assignment and downloads the CSV', async () => {
    await admin.goto(`${packagePath}/assignments`);
    await eventually(admin, 'Alan’s assignment to be delivered', async () => (await admin.getByRole('row', { name: /Alan Turing/ }).getByText('Delivered').count()) === 1, POLL);
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('link', { name: 'Download' }).click()]);
    const rows = (await readFile((await download.path())!, 'utf8')).trim().split(/\r?\n/);
    assert.equal(rows.length, 2, `a header and Alan's row: ${rows.join(' | ')}`);
    assert.match(rows[1], /Alan Turing/, 'the row is Alan’s');
    assert.match(rows[1], new RegExp(POLICY), 'with the policy');
    await screenshot(admin, 'flow-assignment-delivered');
  });

  it('the administrator cancels the other pending request', async () => {
    await tab(admin, 'Requests').click();
    await admin.getByLabel('Status').selectOption({ label: 'Pending approval' });
    await admin.getByRole('button', { name: 'Ada Lovelace' }).click();
    const detail = admin.getByRole('complementary', { name: 'Request details' });
    await detail.getByRole('button', { name: 'Cancel request' }).click();
    await admin.getByRole('dialog', { name: 'Cancel request' }).getByRole('button', { name: 'Cancel request' }).click();
    await admin.getByText('The request of Ada Lovelace was canceled.').waitFor();
  });

  it('adds and removes a resource role', async () => {
    await tab(admin, 'Resource roles').click();
    await admin.getByRole('button', { name: 'Add resource role' }).click();
    const add = admin.getByRole('dialog', { name: 'Add resource role' });
    await add.getByLabel('Resource').selectOption({ label: 'Production Database Readers (Group)' });
    await add.getByLabel('Role').selectOption({ label: 'Member' });
    await add.getByRole('button', { name: 'Add' }).click();
    await admin.getByRole('cell', { name: 'Production Database Readers', exact: true }).waitFor();
    await admin.getByRole('button', { name: 'More actions for Member of Production Database Readers' }).click();
    await admin.getByRole('menuitem', { name: 'Remove resource role' }).click();
    await admin.getByRole('dialog', { name: 'Remove resource role' }).getByRole('button', { name: 'Remove' }).click();
    await eventually(admin, 'the role to leave the list', async () => (await admin.getByRole('cell', { name: 'Production Database Readers', exact: true }).count()) === 0, { ...POLL, reload: false });
    assert.equal(await admin.getByRole('cell', { name: 'Deploy Operators', exact: true }).count(), 1, 'the first role stays');
  });

  it('hides the package: it disappears from My Access but opens from its link', async () => {
    await tab(admin, 'Overview').click();
    await admin.getByRole('button', { name: 'Edit' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Edit access package' });
    await dialog.getByRole('radio', { name: /^Yes — only the direct/ }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('The access package was saved.').waitFor();

    const ken = await personPage('Ken Thompson');
    const list = ken.getByRole('list', { name: 'Access packages you can request' });
    await list.getByRole('heading', { name: 'Release engineering' }).waitFor();
    assert.equal(await list.getByRole('heading', { name: PACKAGE }).count(), 0, 'the hidden package is not listed');
    await ken.goto(packagePath.replace('/admin/packages/', '/myaccess/packages/'));
    await ken.getByRole('heading', { name: PACKAGE, level: 1 }).waitFor();
  });

  it('cannot delete the package while assigned; removes the assignment, then deletes it', async () => {
    await admin.getByRole('button', { name: 'Delete' }).click();
    const del = admin.getByRole('dialog', { name: 'Delete access package' });
    await del.getByRole('button', { name: 'Delete' }).click();
    await del.getByText(/still has assignments/).waitFor();
    await screenshot(admin, 'flow-delete-refused');
    await del.getByRole('button', { name: 'Cancel' }).click();

    await tab(admin, 'Assignments').click();
    await admin.getByLabel('Select Alan Turing').check();
    await admin.getByRole('button', { name: 'Remove (1)' }).click();
    await admin.getByRole('dialog', { name: 'Remove assignments' }).getByRole('button', { name: 'Remove' }).click();
    await admin.getByLabel('Status').selectOption({ label: 'Expired' });
    await eventually(admin, 'the assignment to end', async () => (await admin.getByRole('row', { name: /Alan Turing/ }).getByText('Expired').count()) === 1, POLL);

    await tab(admin, 'Overview').click();
    await admin.getByRole('button', { name: 'Delete' }).click();
    await admin.getByRole('dialog', { name: 'Delete access package' }).getByRole('button', { name: 'Delete' }).click();
    await admin.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    await admin.getByLabel('Search by name').fill(PACKAGE);
    await admin.getByText('No access package matches this search.').waitFor();
  });
});
