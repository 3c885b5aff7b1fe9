import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { eventually, packageTab as tab } from './support/poll.js';
import { EM } from '../support/client.js';

// What a person sees and can rely on (issue 10 items 12, 14, 15): where an administrator lands, the two
// "My Access" entries, direct assignments with a date and time (the policy's limit in words, a future
// start shown as Scheduled), long names, focus in dialogs, each resource role's delivery on an assignment,
// a request's approval history, the approver picker next to "Require approval", and the menu at phone width.

const listShown = (page: Page) => page.getByRole('table').or(page.getByText(/^No (assignments|requests)/)).first().waitFor();

/** datetime-local value ('YYYY-MM-DDTHH:mm', local time) of a Date. */
function local(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** No element of the page reaches past the viewport's right edge, and the page does not scroll sideways. */
async function assertFitsWidth(page: Page, what: string): Promise<void> {
  const overflow = (await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.visually-hidden'));
    const scrolling = [...document.querySelectorAll('.table-wrap')].filter((e) => e.scrollWidth > e.clientWidth + 1);
    return { by: document.documentElement.scrollWidth - width, wide: [...wide, ...scrolling].slice(0, 5).map((e) => e.tagName.toLowerCase() + '.' + e.className) };
  })()`)) as { by: number; wide: string[] };
  assert.ok(overflow.by <= 1 && overflow.wide.length === 0, `${what}: nothing wider than the screen (overflow ${overflow.by}px; ${overflow.wide.join(', ')})`);
}

const focusedLabel = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLElement | null;
  if (!el) return '';
  const id = el.id;
  const label = id ? document.querySelector(`label[for="${CSS.escape(id)}"]`)?.textContent : null;
  return label ?? el.getAttribute('aria-label') ?? el.textContent ?? el.tagName;
});

describe('portal: what people see and can rely on', () => {
  let server: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server.url);
    page = await ctx.newPage();
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  async function openPackage(name: string) {
    await page.goto('/admin/packages');
    await page.getByLabel('Search by name').fill(name);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
  }

  it('an administrator who signs in lands on Administration; the two My Access entries have different names', async () => {
    await signInAs(page, 'Avery Admin', '/');
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/admin\b/, 'lands on Administration');
    await page.goto('/myaccess/packages');
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    const names = await page.getByRole('navigation').getByRole('link').allTextContents();
    const lower = names.map((n) => n.trim().toLowerCase());
    assert.deepEqual(lower.filter((n, i) => lower.indexOf(n) !== i), [], `no two navigation entries read the same: ${names.join(' | ')}`);
    await page.getByRole('navigation', { name: 'My Access' }).getByRole('link', { name: 'My assignments' }).click();
    await page.getByRole('heading', { name: 'My assignments', level: 1 }).waitFor();
  });

  it('dialogs open with focus on their first field, also when the form loads first', async () => {
    await page.goto('/admin/packages');
    await page.getByRole('button', { name: 'New access package' }).click();
    const dialog = page.getByRole('dialog', { name: 'New access package' });
    await dialog.getByLabel('Name').waitFor();
    await eventually(page, 'focus on the Name field', async () => (await focusedLabel(page)) === 'Name', { intervalMs: 100, timeoutMs: 5000 });
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await openPackage('Production read access');
    await tab(page, 'Assignments').click();
    await page.getByRole('button', { name: 'New assignment' }).click();
    await page.getByRole('dialog', { name: 'New assignment' }).getByRole('combobox', { name: 'Users' }).waitFor();
    await eventually(page, 'focus on the Users field', async () => (await focusedLabel(page)) === 'Users', { intervalMs: 100, timeoutMs: 5000 });
    await page.keyboard.press('Escape');
  });

  it('a pasted 5,000-character name is cut to 256 and the field says so; the long name wraps in headings and tables', async () => {
    const long = `Lab${'x'.repeat(4997)}`;
    await page.goto('/admin/packages');
    await page.getByRole('button', { name: 'New access package' }).click();
    const dialog = page.getByRole('dialog', { name: 'New access package' });
    // a real paste (Ctrl+V from the clipboard): the browser keeps the first 256 characters without a word
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.evaluate((text) => navigator.clipboard.writeText(text), long);
    await dialog.getByLabel('Name').focus();
    await page.keyboard.press('ControlOrMeta+V');
    await dialog.getByText('Cut to 256 characters: only the first 256 of the 5,000 entered were kept (at most 256 are allowed).').waitFor();
    assert.equal((await dialog.getByLabel('Name').inputValue()).length, 256);
    await screenshot(page, 'trust-long-name-cut');
    // shortening it below the limit clears the message; at the limit again it counts
    await dialog.getByLabel('Name').fill(long.slice(0, 240));
    await dialog.getByText('240 of 256 characters.').waitFor();
    await dialog.getByLabel('Name').fill(long.slice(0, 256));
    await dialog.getByLabel('Catalog').selectOption({ label: 'Engineering' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    const name = long.slice(0, 256);
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await assertFitsWidth(page, 'package page with a 256-character name');
    await screenshot(page, 'trust-long-name-heading');
    await page.goto('/admin/packages');
    await page.getByLabel('Search by name').fill('Labxxx');
    await page.getByRole('link', { name }).waitFor();
    await assertFitsWidth(page, 'package list with a 256-character name');
    // the other columns keep their words whole: only the name breaks
    const catalogLines = await page.getByRole('row', { name: /Labxxx/ }).getByRole('cell', { name: 'Engineering' }).evaluate((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    });
    assert.equal(catalogLines, 1, '"Engineering" is not cut across lines');
    await screenshot(page, 'trust-long-name-list');
  });

  it('direct assignment: start and end with a time; an end beyond the policy is explained; a later start is Scheduled and the confirmation says when', async () => {
    await openPackage('Production read access');
    await tab(page, 'Assignments').click();
    await page.getByRole('button', { name: 'New assignment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New assignment' });
    await dialog.getByRole('combobox', { name: 'Users' }).fill('Margaret');
    await page.getByRole('option', { name: /^Margaret Hamilton/ }).click();
    await dialog.getByLabel('Policy').selectOption({ label: 'Direct assignment' });
    await dialog.getByText(/After 365 days\. An end date below may end the assignment earlier, not later: administrators cannot override the policy’s limit\./).waitFor();
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setHours(9, 30, 0, 0);
    await dialog.getByLabel('Start date and time (optional)').fill(local(start));
    await dialog.getByLabel('End date and time (optional)').fill(local(new Date(start.getTime() + 400 * 86_400_000)));
    await dialog.getByRole('button', { name: 'Add' }).click();
    const refusal = dialog.getByText(/^Policy “Direct assignment” ends access by .+ at the latest for this start\. Choose an earlier end/);
    await refusal.waitFor();
    assert.doesNotMatch(await refusal.textContent() ?? '', /\d{4}-\d\d-\d\dT/, 'no raw ISO date');
    await screenshot(page, 'trust-direct-assignment-limit');
    const end = new Date(start.getTime() + 30 * 86_400_000);
    end.setHours(17, 45, 0, 0);
    await dialog.getByLabel('End date and time (optional)').fill(local(end));
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByText(/^Assigned Margaret Hamilton, starting .+: the assignment is listed as Scheduled until then/).waitFor();

    // listed as Scheduled under Active, and on its own under the Scheduled status
    const scheduled = page.getByRole('region', { name: 'Scheduled' });
    await scheduled.getByRole('row', { name: /Margaret Hamilton/ }).getByText('Scheduled').waitFor();
    const startsCell = await scheduled.getByRole('row', { name: /Margaret Hamilton/ }).getByRole('cell').nth(4).textContent();
    assert.match(startsCell ?? '', /9:30/, `the start keeps its time of day: ${startsCell}`);
    await page.getByLabel('Status').selectOption({ label: 'Scheduled (starts later)' });
    await scheduled.getByRole('row', { name: /Margaret Hamilton/ }).waitFor();
    await assertAccessible(page, 'scheduled assignments');
    await screenshot(page, 'trust-scheduled-assignment');
    // the server holds it as a scheduled request with the chosen start and end
    const reqs = await (await page.request.get(`${EM}/assignmentRequests?$filter=${encodeURIComponent("state eq 'scheduled'")}&$expand=target`)).json() as { value: { target: { displayName: string }; schedule: { startDateTime: string; expiration: { endDateTime: string } } }[] };
    const mine = reqs.value.find((r) => r.target.displayName === 'Margaret Hamilton');
    assert.equal(mine?.schedule.startDateTime, start.toISOString());
    assert.equal(mine?.schedule.expiration.endDateTime, end.toISOString());
  });

  it('an assignment lists each resource role with its delivery; a role added to the package shows for the existing assignee', async () => {
    await openPackage('Production read access');
    await tab(page, 'Assignments').click();
    await page.getByRole('button', { name: 'New assignment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New assignment' });
    await dialog.getByRole('combobox', { name: 'Users' }).fill('Ken Thompson');
    await page.getByRole('option', { name: /^Ken Thompson/ }).click();
    await dialog.getByLabel('Policy').selectOption({ label: 'Direct assignment' });
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByText('Assigned Ken Thompson. Access is being delivered.').waitFor();
    await eventually(page, 'the assignment to be delivered', async () => (await page.getByRole('row', { name: /Ken Thompson/ }).getByText('Delivered').count()) === 1, { reload: true, afterReload: listShown });

    await tab(page, 'Resource roles').click();
    await page.getByRole('button', { name: 'Add resource role' }).click();
    const add = page.getByRole('dialog', { name: 'Add resource role' });
    await add.getByLabel('Resource').selectOption({ label: 'Deploy Operators (Group)' });
    await add.getByLabel('Role').selectOption({ label: 'Member' });
    await add.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('cell', { name: 'Deploy Operators', exact: true }).waitFor();

    await tab(page, 'Assignments').click();
    await page.getByRole('button', { name: 'Ken Thompson' }).click();
    const roles = page.getByRole('complementary', { name: 'Assignment details' }).getByRole('list', { name: 'Resource roles of this assignment' });
    await roles.getByRole('listitem').filter({ hasText: 'Member of Production Database Readers' }).getByText('Delivered', { exact: true }).waitFor();
    await eventually(page, 'the added role to be delivered to the existing assignee', async () =>
      (await roles.getByRole('listitem').filter({ hasText: 'Member of Deploy Operators' }).getByText('Delivered', { exact: true }).count()) === 1,
    { reload: true, afterReload: async (p) => { await listShown(p); await p.getByRole('button', { name: 'Ken Thompson' }).click(); } });
    // a refused role shows its state and the system's words (written as the worker records a last failed attempt)
    const db = server.store.db;
    const grant = await db.selectFrom('grants').innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
      .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId').innerJoin('users', 'users.id', 'grants.targetId')
      .select('grants.id').where('resources.displayName', '=', 'Deploy Operators').where('users.displayName', '=', 'Ken Thompson').executeTakeFirstOrThrow();
    await db.updateTable('grants').set({ state: 'failed', attempts: 5, nextAttemptAt: null, lastError: 'The directory refused the change (simulated outage).' }).where('id', '=', grant.id).execute();
    await page.reload();
    await listShown(page);
    await page.getByRole('button', { name: 'Ken Thompson' }).click();
    const failed = roles.getByRole('listitem').filter({ hasText: 'Member of Deploy Operators' });
    await failed.getByText('Delivery failed', { exact: true }).waitFor();
    await failed.getByText('Last error: The directory refused the change (simulated outage).').waitFor();
    await assertAccessible(page, 'assignment details with resource roles');
    await screenshot(page, 'trust-assignment-resource-roles');
  });

  it('the request panel shows the approval history', async () => {
    // Ada asks for Release engineering; Grace approves the first stage (both through the API with their own sessions)
    const session = async (name: string) => {
      const c = await newContext(browser, server.url);
      const p = await c.newPage();
      await signInAs(p, name);
      return { c, p };
    };
    const write = { 'X-Latchkey-Request': '1' };
    const ada = await session('Ada Lovelace');
    const me = await (await ada.p.request.get('/latchkey/v1/me')).json() as { id: string };
    const found = await (await ada.p.request.get(`${EM}/accessPackages?$filter=${encodeURIComponent("displayName eq 'Release engineering'")}`)).json() as { value: { id: string }[] };
    const packageId = found.value[0].id;
    const reqs = await (await ada.p.request.post(`${EM}/accessPackages/${packageId}/getApplicablePolicyRequirements`, { headers: write })).json() as { value: { policyId: string }[] };
    const submitted = await ada.p.request.post(`${EM}/assignmentRequests`, {
      headers: write,
      data: { requestType: 'userAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: reqs.value[0].policyId, targetId: me.id }, justification: 'Ship the release' },
    });
    assert.equal(submitted.status(), 201, await submitted.text());
    const requestId = (await submitted.json() as { id: string }).id;
    await ada.c.close();
    const grace = await session('Grace Hopper');
    await eventually(grace.p, 'the first stage to reach Grace', async () => {
      const stages = await (await grace.p.request.get(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages`)).json() as { value?: { id: string; status: string }[] };
      const open = stages.value?.find((s) => s.status === 'InProgress');
      if (!open) return false;
      const decided = await grace.p.request.patch(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${open.id}`, { headers: write, data: { reviewResult: 'Approve', justification: 'Release week' } });
      assert.equal(decided.status(), 204, await decided.text());
      return true;
    }, { intervalMs: 300 });
    await grace.c.close();

    await page.goto(`/admin/packages/${packageId}/requests`);
    await page.getByRole('button', { name: 'Ada Lovelace' }).click();
    const detail = page.getByRole('complementary', { name: 'Request details' });
    await detail.getByRole('heading', { name: 'Approval history' }).waitFor();
    await detail.getByText(/by Grace Hopper/).waitFor();
    await detail.getByText('“Release week”').waitFor();
    await detail.getByText('Waiting for a decision').waitFor();
    await assertAccessible(page, 'request with approval history');
    await screenshot(page, 'trust-request-approval-history');
  });

  it('policy editor: the approvers sit with "Require approval"; the timeout cancels the request', async () => {
    await openPackage('Production read access');
    await tab(page, 'Policies').click();
    await page.getByRole('link', { name: 'Add policy' }).click();
    await page.getByRole('radio', { name: /^Specific users and groups/ }).check();
    await page.getByRole('group', { name: 'Require approval' }).getByLabel('Yes').check();
    const approvers = page.getByRole('combobox', { name: 'First approvers' });
    await approvers.waitFor();
    const [requireBox, approversBox, expirationBox] = await Promise.all([
      page.getByRole('group', { name: 'Require approval' }).boundingBox(),
      approvers.boundingBox(),
      page.getByRole('radiogroup', { name: 'Access package assignments expire' }).boundingBox(),
    ]);
    assert.ok(requireBox && approversBox && expirationBox);
    assert.ok(approversBox.y > requireBox.y && approversBox.y < expirationBox.y, 'the approvers come right after Require approval, before Expiration');
    assert.equal(await page.getByRole('group', { name: 'Approval stages' }).getByRole('radiogroup', { name: 'Access package assignments expire' }).count(), 0, 'Expiration is its own section, not inside the stages');
    await page.getByText(/the request is cancelled and the person has to request again/).waitFor();
    await screenshot(page, 'trust-policy-editor-approvers');
  });

  it('at phone width the navigation is a menu where every entry can be reached', async () => {
    const phone = await newContext(browser, server.url, { phone: true });
    try {
      const p = await phone.newPage();
      await signInAs(p, 'Avery Admin', '/admin/packages');
      const nav = p.getByRole('navigation', { name: 'Administration' });
      const menu = nav.getByRole('button', { name: /Administration menu/ });
      await menu.click();
      await screenshot(p, 'trust-phone-menu-open');
      const width = await p.evaluate(() => document.documentElement.clientWidth);
      for (const entry of ['Catalogs', 'Access packages', 'Connected organizations', 'Settings', 'Audit log']) {
        const link = nav.getByRole('link', { name: entry, exact: true });
        assert.ok(await link.isVisible(), `${entry} is shown`);
        const box = await link.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= width + 1, `${entry} is on the screen`);
      }
      await nav.getByRole('link', { name: 'Audit log', exact: true }).click();
      await p.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'choosing an entry closes the menu');
      await assertAccessible(p, 'phone menu');
      await assertFitsWidth(p, 'audit log at phone width');
    } finally {
      await phone.close();
    }
  });
});
