import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

// The admin portal's connections against a real OpenLDAP (Debian's slapd in a temporary folder, seeded
// with a group): an LDAP connection added through the form and tested, a wrong password's test showing
// the server's refusal, one of the directory's groups added to a catalog through Add resource, the
// connection then refusing deletion while the catalog uses it; then a PostgreSQL connection to the local
// cluster (a group role made for the test, dropped after it). No secret ever reaches the page.

const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');
/** roles are cluster-wide: a prefix of this run's own */
const PREFIX = `lk_e2e_${randomBytes(4).toString('hex')}_`;

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const SEED = [
  `dn: uid=jo,${PEOPLE}`, 'objectClass: inetOrgPerson', 'uid: jo', 'cn: Jo', 'sn: Jo', 'mail: jo@example.com', '',
  `dn: cn=vpn-users,${GROUPS}`, 'objectClass: groupOfNames', 'cn: vpn-users', 'description: Remote access', `member: uid=jo,${PEOPLE}`, '',
  `dn: cn=wiki-editors,${GROUPS}`, 'objectClass: groupOfNames', 'cn: wiki-editors', `member: uid=jo,${PEOPLE}`, '',
].join('\n');

describe('admin portal: connections (LDAP against OpenLDAP, PostgreSQL on the local cluster)', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const wrongPassword = `wrong-${Math.random().toString(36).slice(2)}`;
  let admin: pg.Client | undefined;

  before(async () => {
    admin = new pg.Client({ connectionString: PG_URL.toString() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${PREFIX}reports NOLOGIN`);
    slapd = await startSlapd();
    await slapd.ldapadd(SEED);
    server = await startE2eServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', '/admin/connections');
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
    await slapd?.stop();
    await admin?.query(`DROP ROLE IF EXISTS ${PREFIX}reports`);
    await admin?.end();
  });

  const row = (name: string) => page.getByRole('row').filter({ hasText: name });
  /** No secret typed into the portal is anywhere in the page, visible or not (input values included). */
  const noSecretOnPage = async (what: string) => {
    const html = await page.content();
    const values = await page.locator('input').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    for (const secret of [slapd.adminPassword, wrongPassword]) {
      assert.ok(!html.includes(secret), `${what}: a secret is in the page`);
      assert.ok(!values.includes(secret), `${what}: a secret is in an input`);
    }
  };

  const addLdap = async (name: string, password: string) => {
    await page.getByRole('button', { name: 'Add connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.getByRole('radio', { name: 'LDAP directory' }).check();
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    await dialog.getByLabel('Server URL').fill(slapd.url);
    await dialog.getByLabel('Bind DN').fill(slapd.adminDn);
    await dialog.getByLabel('Base DN', { exact: true }).fill(SUFFIX);
    await dialog.getByLabel('Group base DN').fill(GROUPS);
    await dialog.getByLabel('User base DN').fill(PEOPLE);
    await dialog.getByLabel('Bind password').fill(password);
    return dialog;
  };

  it('adds an LDAP connection through the form, after it names the missing fields', async () => {
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    await page.getByText('There are no connections yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const empty = page.getByRole('dialog', { name: 'Add connection' });
    await empty.getByRole('button', { name: 'Add', exact: true }).click();
    await empty.getByText('Enter a name.').waitFor();
    await empty.getByText('Enter the server url.').waitFor();
    await empty.getByText('Enter the bind password.').waitFor();
    await empty.getByRole('button', { name: 'Cancel' }).click();

    // the server's refusal names the setting, and the form shows it at that field
    const bad = await addLdap('Bad URL', slapd.adminPassword);
    await bad.getByLabel('Server URL').fill('ldap://127.0.0.1:389/dc=latchkey');
    await bad.getByRole('button', { name: 'Add', exact: true }).click();
    await bad.getByRole('alert').waitFor();
    assert.equal(await bad.getByLabel('Server URL').getAttribute('aria-invalid'), 'true', 'the URL field is marked invalid');
    assert.match(await bad.locator('.field-error').first().innerText(), /settings\.url/);
    await bad.getByRole('button', { name: 'Cancel' }).click();

    const dialog = await addLdap('Corporate LDAP', slapd.adminPassword);
    await dialog.getByLabel('Description').fill('The company directory');
    await assertAccessible(page, 'add connection dialog');
    await screenshot(page, 'admin-connection-add');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Corporate LDAP was added.', { exact: false }).waitFor();
    const r = row('Corporate LDAP');
    await r.waitFor();
    assert.match(await r.innerText(), /LDAP directory/);
    assert.match(await r.innerText(), /Not checked yet/, 'health is unknown until tested');
    await noSecretOnPage('connection list');
  });

  it('tests the connection: the summary is shown and it turns healthy', async () => {
    await page.getByRole('button', { name: 'Test Corporate LDAP' }).click();
    const ok = page.getByRole('status').filter({ hasText: 'Test of Corporate LDAP succeeded' });
    await ok.waitFor();
    await row('Corporate LDAP').getByText('Healthy').waitFor();
    await assertAccessible(page, 'connection list');
    await screenshot(page, 'admin-connections');
  });

  it('shows the error when the password is wrong; the failing connection is deleted', async () => {
    const dialog = await addLdap('Wrong LDAP', wrongPassword);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await row('Wrong LDAP').waitFor();
    await page.getByRole('button', { name: 'Test Wrong LDAP' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'Test of Wrong LDAP failed' });
    await failed.waitFor();
    assert.match(await failed.innerText(), /credentials|password|bind/i, 'the refusal says why');
    const r = row('Wrong LDAP');
    await r.getByText('Failing').waitFor();
    assert.match(await r.innerText(), /credentials|password|bind/i, 'the last error is in the list');
    await noSecretOnPage('a failed test');
    await assertAccessible(page, 'failed test');
    await screenshot(page, 'admin-connection-test-failed');

    await page.getByRole('button', { name: 'Delete Wrong LDAP' }).click();
    await page.getByRole('dialog', { name: 'Delete connection' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Wrong LDAP was deleted.').waitFor();
    // the list is reloaded after the notice
    await row('Wrong LDAP').waitFor({ state: 'detached' });
    assert.equal(await row('Corporate LDAP').count(), 1, 'the other connection stays');
  });

  it('edits the connection without retyping its password: the stored one is kept', async () => {
    await page.getByRole('button', { name: 'Edit Corporate LDAP' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit connection' });
    await dialog.getByText('Stored — leave empty to keep.', { exact: false }).waitFor();
    assert.equal(await dialog.getByLabel('Bind password').inputValue(), '', 'a stored secret is never filled in');
    assert.equal(await dialog.getByLabel('Server URL').inputValue(), slapd.url, 'the settings are');
    await dialog.getByLabel('Description').fill('The company directory (OpenLDAP)');
    await assertAccessible(page, 'edit connection dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Corporate LDAP was saved.').waitFor();
    await row('Corporate LDAP').getByText('The company directory (OpenLDAP)').waitFor();
    await page.getByRole('button', { name: 'Test Corporate LDAP' }).click();
    await page.getByRole('status').filter({ hasText: 'Test of Corporate LDAP succeeded' }).waitFor();
  });

  it('adds one of its groups to a catalog through Add resource, and the connection is then in use', async () => {
    await page.getByRole('link', { name: 'Catalogs' }).click();
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('heading', { name: 'Engineering', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('button', { name: 'Add resource' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add resource to the catalog' });
    await dialog.getByLabel('Source').selectOption({ label: 'Corporate LDAP (LDAP group)' });
    // before a search the connection's groups are listed; the search narrows them
    await dialog.getByRole('button', { name: 'Add wiki-editors' }).waitFor();
    await dialog.getByLabel('Search Corporate LDAP').fill('vpn');
    await dialog.getByRole('button', { name: 'Add wiki-editors' }).waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Add vpn-users' }).waitFor();
    await assertAccessible(page, 'add resource from a connection');
    await screenshot(page, 'admin-catalog-add-ldap-group');
    await dialog.getByRole('button', { name: 'Add vpn-users' }).click();
    await page.getByText('vpn-users from Corporate LDAP was added to the catalog.').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Add vpn-users' }).innerText(), 'Added');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const r = page.getByRole('row').filter({ hasText: 'vpn-users' });
    await r.waitFor();
    assert.match(await r.innerText(), /LDAP group/, 'the resource is shown as an LDAP group');
    await assertAccessible(page, 'catalog resources with an LDAP group');
    await screenshot(page, 'admin-catalog-resources-ldap');

    await page.getByRole('link', { name: 'Connections' }).click();
    const c = row('Corporate LDAP');
    await c.waitFor();
    assert.equal(await c.locator('td[data-label="Resources"]').innerText(), '1', 'the connection counts its resource');
    await page.getByRole('button', { name: 'Delete Corporate LDAP' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete connection' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    const refused = confirm.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /vpn-users/, 'the refusal names the catalog resource that uses it');
    await screenshot(page, 'admin-connection-in-use');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await row('Corporate LDAP').waitFor();
    await noSecretOnPage('after all of it');
  });

  it('adds a PostgreSQL connection to the local cluster, tests it and adds one of its roles', async () => {
    await page.getByRole('button', { name: 'Add connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.getByRole('radio', { name: 'PostgreSQL cluster' }).check();
    await dialog.getByLabel('Name', { exact: true }).fill('Reporting database');
    await dialog.getByLabel('Host').fill(PG_URL.hostname);
    await dialog.getByLabel('Port').fill(PG_URL.port || '5432');
    await dialog.getByLabel('Database').fill(PG_URL.pathname.slice(1) || 'postgres');
    await dialog.getByLabel('User', { exact: true }).fill(decodeURIComponent(PG_URL.username));
    await dialog.getByLabel('TLS').selectOption('disable');
    await dialog.getByLabel('Managed role prefix').fill(PREFIX);
    await assertAccessible(page, 'PostgreSQL connection form');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await row('Reporting database').waitFor();
    assert.match(await row('Reporting database').innerText(), /PostgreSQL cluster/);
    await page.getByRole('button', { name: 'Test Reporting database' }).click();
    await page.getByRole('status').filter({ hasText: 'Test of Reporting database succeeded' }).waitFor();
    await row('Reporting database').getByText('Healthy').waitFor();

    await page.getByRole('link', { name: 'Catalogs' }).click();
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('button', { name: 'Add resource' }).click();
    const add = page.getByRole('dialog', { name: 'Add resource to the catalog' });
    await add.getByLabel('Source').selectOption({ label: 'Reporting database (PostgreSQL role)' });
    await add.getByLabel('Search Reporting database').fill('reports');
    await add.getByRole('button', { name: `Add ${PREFIX}reports` }).click();
    await page.getByText(`${PREFIX}reports from Reporting database was added to the catalog.`).waitFor();
    await add.getByRole('button', { name: 'Done' }).click();
    const r = page.getByRole('row').filter({ hasText: `${PREFIX}reports` });
    await r.waitFor();
    assert.match(await r.innerText(), /PostgreSQL role/);
    assert.match(await r.innerText(), /Reporting database/, 'with the connection it comes from');
  });

  it('fits a phone: the connections stack and nothing is wider than the column', async () => {
    const phone = await newContext(browser, server.url, { phone: true });
    try {
      const p = await phone.newPage();
      await signInAs(p, 'Avery Admin', '/admin/connections');
      await p.getByRole('row').filter({ hasText: 'Reporting database' }).waitFor();
      await assertAccessible(p, 'connections at phone width');
      const wide = await p.evaluate(() => {
        const column = document.querySelector('.area-content')!.getBoundingClientRect();
        return Array.from(document.querySelectorAll('.area-content *'))
          .filter((el) => el.getBoundingClientRect().right > column.right + 1 || (el.matches('.table-wrap') && el.scrollWidth > el.clientWidth + 1))
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
          .slice(0, 5);
      });
      assert.deepEqual(wide, [], 'elements wider than the content column at phone width');
      await screenshot(p, 'admin-connections-phone');
    } finally {
      await phone.close();
    }
  });
});
