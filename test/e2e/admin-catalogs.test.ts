import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';

// The admin portal's catalogs and tenant pages in a real browser: a catalog's life (create, edit, add a
// group, grant a catalog role that scopes another person to it, remove the group, delete), connected
// organizations, settings and the audit log that records all of it. The steps build on each other.
describe('admin portal: catalogs, connected organizations, settings, audit log', () => {
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let catalogUrl = '';

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', '/admin/catalogs');
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  const row = (p: Page, text: string) => p.getByRole('row').filter({ hasText: text });

  /** Waits until the audit table shows only activities the filter lets through (the new page has replaced the old). */
  const untilEveryActivity = (p: Page, ok: (activity: string) => boolean) =>
    eventually(
      p,
      'the audit table to show only the filtered activities',
      async () => {
        const all = await p.locator('tbody td[data-label="Activity"]').allInnerTexts();
        return all.length > 0 && all.every(ok);
      },
      { intervalMs: 100, timeoutMs: 5_000 },
    );

  /** Nothing on the page's own content is wider than the content column (tables stack, long words wrap). */
  const fitsItsColumn = async (p: Page, what: string) => {
    const wide = await p.evaluate(() => {
      const column = document.querySelector('.area-content')!.getBoundingClientRect();
      return Array.from(document.querySelectorAll('.area-content *'))
        .filter((el) => !el.closest('.tabs, .table-wrap') || el.matches('.tabs, .table-wrap'))
        .filter((el) => el.getBoundingClientRect().right > column.right + 1 || (el.matches('.table-wrap') && el.scrollWidth > el.clientWidth + 1))
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
        .slice(0, 5);
    });
    assert.deepEqual(wide, [], `${what}: elements wider than the content column at phone width`);
  };

  it('lists and searches catalogs, validates and creates one, edits it', async () => {
    await page.getByRole('heading', { name: 'Catalogs', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Sales and Marketing' }).waitFor();
    await assertAccessible(page, 'catalog list');
    await screenshot(page, 'admin-catalogs-list');

    await page.getByLabel('Search catalogs').fill('engin');
    await page.getByRole('link', { name: 'Sales and Marketing' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('link', { name: 'Engineering' }).count(), 1, 'the search keeps Engineering');
    await page.getByLabel('Search catalogs').fill('');

    await page.getByRole('button', { name: 'New catalog' }).click();
    const dialog = page.getByRole('dialog', { name: 'New catalog' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Enter a name.').waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('Contractors');
    await dialog.getByLabel('Description').fill('Tools for contractors.');
    await dialog.getByLabel(/External users allowed/).uncheck();
    await assertAccessible(page, 'new catalog dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Contractors', level: 1 }).waitFor();
    catalogUrl = new URL(page.url()).pathname;
    assert.match(catalogUrl, /^\/admin\/catalogs\/[0-9a-f-]{36}$/, 'the new catalog opens at its own address');
    const props = page.locator('dl.props');
    assert.match(await props.innerText(), /External users allowed\s+No/, 'external users are off as chosen');

    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit catalog' });
    await edit.getByLabel('Description').fill('Tools and systems for contractors.');
    await edit.getByRole('button', { name: 'Save' }).click();
    await props.getByText('Tools and systems for contractors.').waitFor();
    await assertAccessible(page, 'catalog overview');
    await screenshot(page, 'admin-catalog-overview');
  });

  it('adds a directory group as a resource of the catalog', async () => {
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByText('This catalog has no resources yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add resource' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add resource to the catalog' });
    await dialog.getByLabel('Search groups').fill('deploy');
    await dialog.getByRole('button', { name: 'Add Deploy Operators' }).click();
    await page.getByText('Deploy Operators was added to the catalog.').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const r = row(page, 'Deploy Operators');
    await r.waitFor();
    assert.match(await r.innerText(), /Group/, 'the resource is shown as a group');
    assert.match(await r.innerText(), /Member, Owner/, 'with the group roles');
    await assertAccessible(page, 'catalog resources');
    await screenshot(page, 'admin-catalog-resources');
  });

  it('grants a catalog role; the holder reaches only that catalog, read-only', async () => {
    await page.getByRole('link', { name: 'Roles and administrators' }).click();
    await page.getByRole('heading', { name: 'Readers' }).waitFor();
    await page.getByRole('button', { name: 'Add readers' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add readers' });
    await dialog.getByLabel('Search users and groups').fill('Linus');
    await dialog.getByRole('button', { name: 'Select Linus Torvalds' }).click();
    await page.getByText('Linus Torvalds is now catalog reader of Contractors.').waitFor();
    const readers = page.getByRole('region', { name: 'Readers' });
    await readers.getByRole('cell', { name: 'Linus Torvalds', exact: true }).waitFor();
    await assertAccessible(page, 'catalog roles');
    await screenshot(page, 'admin-catalog-roles');

    const other = await newContext(browser, server.url);
    try {
      const p = await other.newPage();
      await signInAs(p, 'Linus Torvalds', '/admin/catalogs');
      await p.getByRole('link', { name: 'Contractors' }).waitFor();
      const links = await p.locator('table a').allInnerTexts();
      assert.deepEqual(links, ['Contractors'], 'a catalog reader sees only the catalog of the role');
      await p.getByRole('link', { name: 'Contractors' }).click();
      await p.getByRole('heading', { name: 'Contractors', level: 1 }).waitFor();
      assert.equal(await p.getByRole('button', { name: 'Edit' }).isDisabled(), true, 'a reader cannot edit the catalog');
      assert.equal(await p.getByRole('button', { name: 'New catalog' }).count(), 0, 'a reader cannot create catalogs');
      await screenshot(p, 'admin-catalog-as-reader');
      // another catalog's address is refused by the API, and the page says so
      const engineering = await server.store.db.selectFrom('catalogs').select('id').where('displayName', '=', 'Engineering').executeTakeFirstOrThrow();
      await p.goto(`/admin/catalogs/${engineering.id}`);
      await p.getByRole('alert').waitFor();
      assert.equal(await p.getByRole('heading', { name: 'Engineering' }).count(), 0, 'the other catalog is not shown');
    } finally {
      await other.close();
    }
  });

  it('a catalog owner manages only their catalog and sees the API refuse a group they do not own', async () => {
    const other = await newContext(browser, server.url);
    try {
      const p = await other.newPage();
      await signInAs(p, 'Grace Hopper', '/admin/catalogs');
      await p.getByRole('link', { name: 'Engineering' }).waitFor();
      assert.deepEqual(await p.locator('table a').allInnerTexts(), ['Engineering'], 'the owner sees her catalog only');
      assert.equal(await p.getByRole('button', { name: 'New catalog' }).count(), 0, 'a catalog owner is not a catalog creator');
      await p.getByRole('link', { name: 'Engineering' }).click();
      await p.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Resources' }).click();
      await p.getByRole('button', { name: 'Add resource' }).click();
      const dialog = p.getByRole('dialog', { name: 'Add resource to the catalog' });
      await dialog.getByLabel('Search groups').fill('Sales Forecast');
      await dialog.getByRole('button', { name: 'Add Sales Forecast Editors' }).click();
      await dialog.getByRole('alert').getByText(/needs .* as well as the catalog owner role/).waitFor();
      await dialog.getByRole('button', { name: 'Done' }).click();
      assert.equal(await row(p, 'Sales Forecast Editors').count(), 0, 'the refused group was not added');
    } finally {
      await other.close();
    }
  });

  it('lists the catalog’s access packages, linking to their pages', async () => {
    await page.getByRole('link', { name: 'Access packages' }).last().click();
    await page.getByText('This catalog has no access packages yet.').waitFor();
    await page.goto('/admin/catalogs');
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('heading', { name: 'Engineering', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Access packages' }).click();
    const first = page.locator('table a').first();
    await first.waitFor();
    assert.match((await first.getAttribute('href')) ?? '', /^\/admin\/packages\/[0-9a-f-]{36}$/, 'packages link to their admin page');
    await assertAccessible(page, 'catalog access packages');
    await screenshot(page, 'admin-catalog-packages');
  });

  it('shows the API’s refusal to delete a catalog with packages; removes the resource and deletes the empty catalog', async () => {
    // Engineering is open: it has access packages
    await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const refuse = page.getByRole('dialog', { name: 'Delete catalog' });
    await refuse.getByRole('button', { name: 'Delete catalog' }).click();
    await refuse.getByRole('alert').getByText(/still has access packages/).waitFor();
    await refuse.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${catalogUrl}/resources`);
    await page.getByRole('button', { name: 'Remove Deploy Operators' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove resource' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Deploy Operators was removed from the catalog.').waitFor();
    await page.getByText('This catalog has no resources yet.', { exact: false }).waitFor();

    await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete catalog' }).getByRole('button', { name: 'Delete catalog' }).click();
    await page.getByRole('heading', { name: 'Catalogs', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Engineering' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Contractors' }).count(), 0, 'the deleted catalog is gone from the list');
  });

  it('creates, edits and deletes a connected organization with a sponsor', async () => {
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Connected organizations' }).click();
    await page.getByRole('heading', { name: 'Connected organizations', level: 1 }).waitFor();
    await page.getByText('There are no connected organizations yet.').waitFor();
    await page.getByRole('button', { name: 'New connected organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'New connected organization' });
    await dialog.getByLabel('Name', { exact: true }).fill('Fabrikam');
    await dialog.getByLabel('Source 1 domain').fill('not a domain');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText("'not a domain' is not a domain name such as fabrikam.com.").waitFor();
    await dialog.getByLabel('Source 1 domain').fill('fabrikam.example');
    await dialog.getByLabel('State').selectOption('proposed');
    await assertAccessible(page, 'new connected organization dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Fabrikam', level: 1 }).waitFor();
    await page.getByText('Domain fabrikam.example').waitFor();

    await page.getByRole('button', { name: 'Add internal sponsor' }).click();
    const pick = page.getByRole('dialog', { name: 'Add internal sponsor' });
    await pick.getByLabel('Search users and groups').fill('Grace');
    await pick.getByRole('button', { name: 'Select Grace Hopper' }).click();
    await page.getByRole('region', { name: 'Internal sponsors' }).getByRole('listitem').filter({ hasText: 'Grace Hopper' }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit connected organization' });
    await edit.getByLabel('State').selectOption('configured');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.locator('dl.props').getByText('Configured').waitFor();
    await assertAccessible(page, 'connected organization page');
    await screenshot(page, 'admin-connected-organization');

    await page.goto('/admin/connected-organizations');
    await row(page, 'Fabrikam').waitFor();
    await screenshot(page, 'admin-connected-organizations');
    await page.getByRole('link', { name: 'Fabrikam' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete connected organization' }).getByRole('button', { name: 'Delete organization' }).click();
    await page.getByText('There are no connected organizations yet.').waitFor();
  });

  it('changes the external user settings', async () => {
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const action = page.getByLabel('When an external user loses their last assignment');
    await action.selectOption('blockSignInAndDelete');
    const days = page.getByLabel('Days before a blocked external user is removed');
    await days.fill('-3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Enter a whole number of days from 0 to 3650.').waitFor();
    await days.fill('14');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved.').waitFor();
    await assertAccessible(page, 'settings');
    await screenshot(page, 'admin-settings');
    await page.reload();
    await page.getByLabel('Days before a blocked external user is removed').waitFor();
    assert.equal(await page.getByLabel('Days before a blocked external user is removed').inputValue(), '14', 'the setting was stored');

    await page.getByRole('link', { name: 'Roles and administrators' }).click();
    await page.getByRole('heading', { name: 'Identity Governance Administrator' }).waitFor();
    await page.getByRole('region', { name: 'Identity Governance Administrator' }).getByText('Avery Admin').waitFor();
    await assertAccessible(page, 'tenant roles');
    await screenshot(page, 'admin-tenant-roles');
  });

  it('filters the audit log to the events above and opens one', async () => {
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByLabel('Activity', { exact: true }).fill('catalog');
    await page.getByLabel('Target', { exact: true }).fill('Contractors');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row(page, 'Delete catalog').waitFor();
    await untilEveryActivity(page, (a) => a.includes('catalog'));
    const activities = (await page.locator('tbody td[data-label="Activity"]').allInnerTexts()).sort();
    assert.deepEqual(activities, ['Create catalog', 'Delete catalog', 'Update catalog'], 'the catalog’s events, and only those');
    // adding and removing a resource is recorded against the resource, by the person who did it
    await page.getByLabel('Target', { exact: true }).fill('Deploy Operators');
    await page.getByLabel('Initiated by').fill('Avery');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await untilEveryActivity(page, (a) => a.includes('resource'));
    const resourceEvents = (await page.locator('tbody td[data-label="Activity"]').allInnerTexts()).sort();
    assert.deepEqual(resourceEvents, ['Add resource to catalog', 'Remove resource from catalog'], 'the resource was added and removed once each by the administrator');
    await page.getByLabel('Target', { exact: true }).fill('');

    await page.getByLabel('Activity', { exact: true }).fill('');
    await page.getByLabel('Target', { exact: true }).fill('');
    await page.getByLabel('Category').selectOption('RoleManagement');
    await page.getByLabel('Initiated by').fill('Avery');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row(page, 'Add role assignment').waitFor();
    await untilEveryActivity(page, (a) => a.includes('role assignment'));
    assert.equal(await row(page, 'Create catalog').count(), 0, 'other categories are filtered out');

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Activity', { exact: true }).fill('connected organization');
    const today = new Date();
    const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await page.getByLabel('From', { exact: true }).fill(iso);
    await page.getByLabel('To', { exact: true }).fill(iso);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row(page, 'Delete connected organization').waitFor();
    await untilEveryActivity(page, (a) => a.includes('connected organization'));
    await page.getByRole('button', { name: /^Create connected organization at .*: details$/ }).click();
    const detail = page.getByRole('dialog', { name: 'Audit event' });
    await detail.getByRole('heading', { name: 'Modified properties' }).waitFor();
    await detail.getByText('Fabrikam', { exact: false }).first().waitFor();
    await assertAccessible(page, 'audit log with event detail');
    await screenshot(page, 'admin-audit-detail');
    await detail.getByRole('button', { name: 'Close' }).click();
    await assertAccessible(page, 'audit log');
    await screenshot(page, 'admin-audit');
  });

  it('works at phone width', async () => {
    const phone = await newContext(browser, server.url, { phone: true });
    try {
      const p = await phone.newPage();
      await signInAs(p, 'Avery Admin', '/admin/catalogs');
      await p.getByRole('link', { name: 'Engineering' }).click();
      await p.getByRole('heading', { name: 'Engineering', level: 1 }).waitFor();
      const catalog = new URL(p.url()).pathname;
      await p.goto(`${catalog}/resources`);
      await row(p, 'Deploy Operators').waitFor();
      await assertAccessible(p, 'catalog resources at phone width');
      await fitsItsColumn(p, 'catalog resources');
      await screenshot(p, 'admin-catalog-resources-phone');
      await p.goto(`${catalog}/roles`);
      await p.getByRole('region', { name: 'Owners' }).getByText('Grace Hopper').waitFor();
      await fitsItsColumn(p, 'catalog roles');
      await screenshot(p, 'admin-catalog-roles-phone');
      await p.goto('/admin/audit');
      await p.locator('tbody tr').first().waitFor();
      // a short list keeps the full-page screenshot small
      await p.getByLabel('Activity', { exact: true }).fill('connected organization');
      await p.getByRole('button', { name: 'Apply filters' }).click();
      await untilEveryActivity(p, (a) => a.includes('connected organization'));
      await fitsItsColumn(p, 'audit log');
      await screenshot(p, 'admin-audit-phone');
    } finally {
      await phone.close();
    }
  });
});
