import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { ApiClient } from '../support/client.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// The admin portal's identity sources against a real OpenLDAP: an LDAP source added through the form on
// an LDAP connection (made through the API), a dry run whose changes are listed and which writes nothing,
// then a sync whose run shows what it created; the people are then Latchkey users owned by the source.
// No secret reaches the page.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const person = (uid: string, extra: string[] = []) =>
  [`dn: uid=${uid},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid} Directory`, `sn: ${uid}`, `mail: ${uid}@directory.example`, ...extra, ''].join('\n');

describe('admin portal: identity sources (LDAP sync from OpenLDAP)', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      person('rita'), person('sam', [`manager: uid=rita,${PEOPLE}`]), person('tess', [`manager: uid=rita,${PEOPLE}`]),
      `dn: cn=field-team,${GROUPS}`, 'objectClass: groupOfNames', 'cn: field-team', `member: uid=sam,${PEOPLE}`, `member: uid=tess,${PEOPLE}`, '',
    ].join('\n'));
    server = await startE2eServer();
    const admin = new ApiClient(server.url, (await server.app.services.tokens.create('admin@contoso.example', 'e2e identity sources')).token);
    const made = await admin.request('POST', '/latchkey/v1/connections', {
      kind: 'ldap', displayName: 'Field directory', settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: slapd.adminPassword }, reconcileInterval: null,
    });
    assert.equal(made.status, 201, made.text);
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', '/admin/identity-sources');
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
    await slapd?.stop();
  });

  const dialog = () => page.getByRole('dialog', { name: 'Sync of Field people' });
  const rows = () => dialog().getByRole('table', { name: 'Sync runs of Field people' }).locator('tbody tr');
  const waitForRuns = (n: number) => eventually(page, `${n} runs to finish`, async () =>
    (await rows().count()) === n && /Succeeded|Failed/.test(await rows().first().locator('td[data-label="State"]').innerText()));
  const noSecretOnPage = async (what: string) => assert.ok(!(await page.content()).includes(slapd.adminPassword), `${what}: the bind password is in the page`);

  it('adds an LDAP source through the form', async () => {
    await page.getByRole('heading', { name: 'Identity sources' }).waitFor();
    await page.getByText(/There are no identity sources yet/).waitFor();
    await page.getByRole('button', { name: 'Add LDAP source' }).click();
    const form = page.getByRole('dialog', { name: 'Add LDAP source' });
    await form.getByLabel('Name').fill('Field people');
    assert.equal(await form.getByLabel('LDAP connection').locator('option:checked').innerText(), 'Field directory');
    await form.getByLabel('Directory').selectOption('openldap');
    assert.match(await form.innerText(), new RegExp(`Blank: the connection's \\(${PEOPLE}\\)`), 'the default base DN is shown');
    await assertAccessible(page, 'add LDAP source');
    await screenshot(page, 'admin-identity-source-add');
    await form.getByRole('button', { name: 'Add' }).click();
    await dialog().getByText('Field people has not been synced yet.', { exact: false }).waitFor();
  });

  it('a dry run lists what would change and writes nothing', async () => {
    await dialog().getByRole('button', { name: 'Dry run' }).click();
    await waitForRuns(1);
    const run = rows().first();
    assert.match(await run.locator('td[data-label="State"]').innerText(), /Succeeded\s+Full \(dry run\)/);
    assert.match(await run.locator('td[data-label="Users"]').innerText(), /^3 created/);
    const changes = dialog().getByRole('list', { name: 'Changes of the dry run' });
    assert.match(await changes.innerText(), /createUser: sam@directory\.example/);
    assert.match(await changes.innerText(), /addMember: field-team \(tess@directory\.example\)/);
    const users = await server.store.db.selectFrom('users').select('id').where('upnKey', 'like', '%@directory.example').execute();
    assert.equal(users.length, 0, 'nothing written');
    await assertAccessible(page, 'identity source dry run');
    await screenshot(page, 'admin-identity-source-dry-run');
  });

  it('a sync creates the people and the group, and the run says so', async () => {
    await dialog().getByRole('button', { name: 'Sync now' }).click();
    await waitForRuns(2);
    const run = rows().first();
    assert.match(await run.locator('td[data-label="State"]').innerText(), /Succeeded\s+Full$/m, 'the first real sync is a full one');
    assert.equal((await run.locator('td[data-label="Users"]').innerText()).trim(), '3 created, 0 updated, 0 disabled');
    assert.equal((await run.locator('td[data-label="Groups"]').innerText()).trim(), '1 created, 0 updated, 0 deleted');
    assert.equal((await run.locator('td[data-label="Members"]').innerText()).trim(), '+2 −0');
    const sam = await server.store.db.selectFrom('users').selectAll().where('upnKey', '=', 'sam@directory.example').executeTakeFirstOrThrow();
    const rita = await server.store.db.selectFrom('users').selectAll().where('upnKey', '=', 'rita@directory.example').executeTakeFirstOrThrow();
    assert.equal(sam.managerId, rita.id);
    assert.ok(sam.sourceId);
    await screenshot(page, 'admin-identity-source-synced');
    await dialog().locator('.dialog-actions').last().getByRole('button', { name: 'Close' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Field people' });
    await eventually(page, 'the list to show the people', async () => (await row.locator('td[data-label="People / groups"]').innerText()).trim() === '3 / 1');
    assert.match(await row.innerText(), /Through Field directory/);
    await assertAccessible(page, 'identity sources list');
    await noSecretOnPage('identity sources');
  });

  it("a SCIM source shows its provisioning tokens by name, never the token", async () => {
    const made = await server.app.services.tokens.createProvisioning('Okta provisioning');
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'Okta provisioning' });
    await row.waitFor();
    assert.match(await row.locator('td[data-label="Kind"]').innerText(), /SCIM provisioning/);
    assert.match(await row.innerText(), /Tokens: Okta provisioning \(never used\)/);
    assert.ok(!(await page.content()).includes(made.token), 'the token is not in the page');
  });
});
