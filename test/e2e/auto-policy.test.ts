import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { ApiClient, EM } from '../support/client.js';

// An auto-assignment policy in the admin portal: the policies list says who it assigns (its rule), and
// its own editor changes the rule, the removal and its grace period; a rule the server refuses is shown
// with the position of the error, and nothing is saved.

describe('admin portal: auto-assignment policies', () => {
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let adminApi: ApiClient;
  let packageId = '';
  let policyId = '';

  before(async () => {
    server = await startE2eServer();
    adminApi = new ApiClient(server.url, (await server.app.services.tokens.create('admin@contoso.example', 'e2e auto policy')).token);
    const catalogs = await adminApi.request('GET', `${EM}/catalogs?$filter=displayName eq 'Sales and Marketing'`);
    const pkg = await adminApi.request('POST', `${EM}/accessPackages`, { displayName: 'E2E Sales automatically', catalog: { id: catalogs.body.value[0].id } });
    assert.equal(pkg.status, 201, pkg.text);
    packageId = pkg.body.id;
    const policy = await adminApi.request('POST', `${EM}/assignmentPolicies`, {
      displayName: 'Everyone in Sales', description: 'by department', allowedTargetScope: 'specificDirectoryUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', description: 'Sales', membershipRule: 'user.department -eq "Sales"' }],
      automaticRequestSettings: { requestAccessForAllowedTargets: true, removeAccessWhenTargetLeavesAllowedTargets: true, gracePeriodBeforeAccessRemoval: 'P7D' },
      accessPackage: { id: packageId },
    });
    assert.equal(policy.status, 201, policy.text);
    policyId = policy.body.id;
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
    await signInAs(page, 'Avery Admin', `/admin/packages/${packageId}/policies`);
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  it('lists the policy by its rule, edits rule and grace period, and shows a refused rule with its position', async () => {
    const row = page.getByRole('row').filter({ hasText: 'Everyone in Sales' });
    await row.waitFor();
    assert.equal((await row.locator('td[data-label="Who can request"]').innerText()).trim(), 'Assigned automatically: user.department -eq "Sales"');
    await row.getByRole('link', { name: 'Everyone in Sales' }).click();
    await page.getByRole('heading', { name: 'Edit auto-assignment policy: Everyone in Sales' }).waitFor();
    assert.equal(await page.getByLabel('Membership rule').inputValue(), 'user.department -eq "Sales"');
    assert.equal(await page.getByLabel('Grace period (days)').inputValue(), '7');
    await assertAccessible(page, 'auto-assignment policy editor');
    await screenshot(page, 'admin-auto-policy');

    await page.getByLabel('Membership rule').fill('user.department -eq "Sales" -and user.jobTitle -like "x"');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(page, 'the refusal', async () => /position/.test(await page.locator('.error, [role="alert"]').allInnerTexts().then((t) => t.join(' '))));
    assert.equal((await adminApi.request('GET', `${EM}/assignmentPolicies/${policyId}`)).body.specificAllowedTargets[0].membershipRule, 'user.department -eq "Sales"', 'nothing saved');

    await page.getByLabel('Membership rule').fill('user.department -in ["Sales", "Marketing"]');
    await page.getByLabel('Grace period (days)').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Policy “Everyone in Sales” saved.').waitFor();
    const saved = (await adminApi.request('GET', `${EM}/assignmentPolicies/${policyId}`)).body;
    assert.equal(saved.specificAllowedTargets[0].membershipRule, 'user.department -in ["Sales", "Marketing"]');
    assert.equal(saved.automaticRequestSettings.gracePeriodBeforeAccessRemoval, 'P3D');
    assert.equal(saved.automaticRequestSettings.removeAccessWhenTargetLeavesAllowedTargets, true);
  });
});
