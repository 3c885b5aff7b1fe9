import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs } from './support/browser.js';
import { eventually } from './support/poll.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { ApiClient, EM } from '../support/client.js';

// My Access in a real browser, as people without any admin role use it: Alan Turing (engineer) requests
// packages, answers a policy's questions, cancels a request, opens a hidden package from its direct link
// and extends access near its end; Ross Geller (no role, approver) approves with a justification.

describe('My Access portal', () => {
  let server: E2eServer;
  let browser: Browser;
  let adminApi: ApiClient;
  let alan: BrowserContext;
  let alanPage: Page;
  const ids: Record<string, string> = {};

  /** The demo administrator, through the public API (the admin portal has its own tests). */
  async function admin(path: string, method = 'GET', body?: unknown) {
    const res = await adminApi.request(method, path, body);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  }

  const packageId = async (name: string) => {
    const r = await admin(`${EM}/accessPackages?$filter=displayName eq '${name}'`);
    assert.equal(r.value.length, 1, `demo package '${name}'`);
    return r.value[0].id as string;
  };
  const userId = async (upn: string) => (await admin(`/v1.0/users/${upn}`)).id as string;

  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    adminApi = new ApiClient(server.url, (await server.app.services.tokens.create('admin@contoso.example', 'e2e myaccess')).token);
    ids.release = await packageId('Release engineering');
    ids.prod = await packageId('Production read access');
    ids.finance = await packageId('Finance reports (pilot)');
    const engineering = (await admin(`/v1.0/groups?$filter=displayName eq 'Engineering'`)).value[0].id;
    // a second policy on Release engineering, of the same priority as the demo's: Alan must choose, then
    // answer its questions; Ross Geller (no admin role) approves and must give a justification
    const policy = await admin(`${EM}/assignmentPolicies`, 'POST', {
      displayName: 'Engineers with an incident ticket',
      description: 'For incident work: approved by IT, 30 days.',
      allowedTargetScope: 'specificDirectoryUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: engineering }],
      expiration: { type: 'afterDuration', duration: 'P30D' },
      requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: false },
      requestApprovalSettings: {
        isApprovalRequiredForAdd: true, isApprovalRequiredForUpdate: true, isRequestorJustificationRequired: true,
        stages: [{
          durationBeforeAutomaticDenial: 'P7D', isApproverJustificationRequired: true, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
          primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: await userId('ross.geller@contoso.example') }],
          fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [],
        }],
      },
      questions: [
        { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 1, isRequired: true, isAnswerEditable: true, text: 'Incident ticket', isSingleLineQuestion: true, regexPattern: 'INC-[0-9]+' },
        {
          '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 2, isRequired: true, isAnswerEditable: true, text: 'Environment',
          isMultipleSelectionAllowed: false, choices: [{ actualValue: 'stg', text: 'Staging' }, { actualValue: 'prod', text: 'Production' }],
        },
      ],
      accessPackage: { id: ids.release },
    });
    ids.ticketPolicy = policy.id;
    alan = await newContext(browser, server.url);
    alanPage = await alan.newPage();
    await signInAs(alanPage, 'Alan Turing');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists what Alan may request, searches, and leaves the hidden package out', async () => {
    const page = alanPage;
    await page.goto('/myaccess');
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    const list = page.getByRole('list', { name: 'Access packages you can request' });
    await list.getByRole('heading', { name: 'Release engineering' }).waitFor();
    await list.getByRole('heading', { name: 'Production read access' }).waitFor();
    assert.equal(await list.getByRole('heading', { name: 'Finance reports (pilot)' }).count(), 0, 'the hidden package is not listed');
    assert.equal(await list.getByRole('heading', { name: 'Sales tools' }).count(), 0, 'a package Alan may not request is not listed');
    await assertAccessible(page, 'access packages');
    await screenshot(page, 'myaccess-packages');

    await page.getByLabel('Search access packages').fill('RELEASE');
    // (page functions as strings: the tests' TypeScript has no DOM types)
    await page.waitForFunction("document.querySelectorAll('.ma-card').length === 1");
    await list.getByRole('heading', { name: 'Release engineering' }).waitFor();
    await page.getByLabel('Search access packages').fill('no such thing');
    await page.getByText('No access package you can request matches').waitFor();
  });

  it('Alan requests Release engineering: chooses a policy, is stopped by validation, answers the questions, sees it pending', async () => {
    const page = alanPage;
    await page.goto('/myaccess/packages');
    await page.getByRole('link', { name: 'Request Release engineering' }).click();
    await page.getByRole('heading', { name: 'Release engineering', level: 1 }).waitFor();
    // two policies apply: nothing is chosen, and submitting asks for one
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Choose the policy to request under.').waitFor();
    await page.getByRole('radio', { name: /Engineers with an incident ticket/ }).check();
    await page.getByText('Needs approval · Access lasts 30 days · Justification required · 2 questions').waitFor();
    // required answers, the ticket format and the justification are checked before anything is sent
    await page.getByLabel('Incident ticket (required)').fill('ticket 42');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('The answer does not have the expected format (INC-[0-9]+).').waitFor();
    await page.getByText('Choose an answer.').waitFor();
    await page.getByText('This policy asks for a business justification.').waitFor();
    await assertAccessible(page, 'request form with errors');
    await screenshot(page, 'myaccess-request-form');
    await page.getByLabel('Incident ticket (required)').fill('INC-42');
    await page.getByLabel('Environment (required)').selectOption({ label: 'Production' });
    await page.getByLabel(/Business justification/).fill('On call for the payments incident this week.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Your request was submitted.').waitFor();
    await page.getByText('Pending approval', { exact: true }).waitFor();
    await screenshot(page, 'myaccess-request-submitted');
  });

  it('the hidden package opens from its direct link; Alan requests it, then cancels that request in his history', async () => {
    const page = alanPage;
    // a package whose policies do not cover Alan opens, but offers no form
    await page.goto(`/myaccess/packages/${await packageId('Sales tools')}`);
    await page.getByText('You cannot request this access package').waitFor();
    await page.goto('/myaccess/packages/00000000-0000-0000-0000-000000000000');
    await page.getByText('This access package does not exist, or the link is wrong.').waitFor();
    await page.goto(`/myaccess/packages/${ids.finance}`);
    await page.getByRole('heading', { name: 'Finance reports (pilot)', level: 1 }).waitFor();
    await page.getByLabel(/Business justification \(required\)/).fill('Quarter close.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Your request was submitted.').waitFor();

    await page.getByRole('link', { name: 'Request history' }).first().click();
    await page.getByRole('heading', { name: 'Request history' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Finance reports (pilot)' });
    await row.getByText('Pending approval').waitFor();
    await assertAccessible(page, 'request history');
    await screenshot(page, 'myaccess-history');
    // details of the other request show its answers
    await page.getByRole('button', { name: 'Details of the request for Release engineering' }).click();
    const dialog = page.getByRole('dialog', { name: 'Request details' });
    await dialog.getByText('INC-42').waitFor();
    await dialog.getByText('Production', { exact: true }).waitFor();
    await dialog.getByText('Waiting for a decision').waitFor();
    await screenshot(page, 'myaccess-request-details');
    await dialog.getByRole('button', { name: 'Close' }).last().click();

    await page.getByRole('button', { name: 'Cancel the request for Finance reports (pilot)' }).click();
    await page.getByRole('dialog', { name: 'Cancel request' }).getByRole('button', { name: 'Cancel request' }).click();
    await page.getByText('Your request for Finance reports (pilot) was canceled.').waitFor();
    await row.getByText('Canceled').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel the request for Finance reports (pilot)' }).count(), 0, 'a canceled request cannot be canceled again');
    await row.getByRole('link', { name: 'Request Finance reports (pilot) again' }).waitFor();
    const r = await admin(`${EM}/assignmentRequests?$filter=accessPackage/id eq '${ids.finance}'`);
    assert.deepEqual(r.value.map((x: { state: string }) => x.state), ['canceled']);
  });

  it('Ross Geller, with no admin role, approves with a justification; the item moves to his history', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await signInAs(page, 'Ross Geller');
    assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 0, 'Ross has no admin role');
    await page.getByRole('navigation', { name: 'My Access' }).getByRole('link', { name: 'Approvals' }).click();
    const item = page.getByRole('listitem').filter({ hasText: 'Release engineering' });
    await item.getByText('Alan Turing').waitFor();
    await item.getByText('On call for the payments incident this week.').waitFor();
    await item.getByText('INC-42').waitFor();
    await item.getByText('Decide by').waitFor();
    await assertAccessible(page, 'approvals');
    await screenshot(page, 'myaccess-approvals');

    await item.getByRole('button', { name: /^Approve Alan Turing/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve request' });
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.getByText('A justification is required for this decision.').waitFor();
    await screenshot(page, 'myaccess-approve-dialog');
    await dialog.getByLabel('Justification (required)').fill('Incident INC-42 is real.');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/Approved: Alan Turing asks for Release engineering/).waitFor();
    await page.getByText('Nothing is waiting for your decision.').waitFor();

    await page.getByRole('link', { name: 'History', exact: true }).click();
    const past = page.getByRole('row').filter({ hasText: 'Release engineering' });
    await past.getByText('Approved').waitFor();
    await past.getByText('“Incident INC-42 is real.”').waitFor();
    await assertAccessible(page, 'approval history');
    await screenshot(page, 'myaccess-approvals-history');
    await ctx.close();
  });

  it('Alan sees the access delivered, gets Production read access, extends it near its end; longer access cannot be extended yet', async () => {
    const page = alanPage;
    // Production read access needs no approval, lasts at most 7 days and lets Alan choose the dates. Its
    // extension window is the last half of its span (3.5 days, src/domain/extension.ts); the end date he picks
    // means the end of that day, so two days from today spans 2 to 3 days whatever the hour, and the window is
    // open at once (three days spanned up to 4 days and failed when run early in the day)
    await page.goto(`/myaccess/packages/${ids.prod}`);
    await page.getByRole('checkbox', { name: 'Request for a specific period' }).check();
    const inTwoDays = await page.evaluate(() => {
      const d = new Date(Date.now() + 2 * 86_400_000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await page.getByLabel('End date').fill('2020-01-01');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('The end must be on or after the start.').waitFor();
    await page.getByLabel('End date').fill(inTwoDays);
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Your request was submitted.').waitFor();

    await page.getByRole('navigation', { name: 'My Access' }).getByRole('link', { name: 'My assignments' }).click();
    await page.getByRole('heading', { name: 'My assignments' }).waitFor();
    const release = page.getByRole('row').filter({ hasText: 'Release engineering' });
    const prod = page.getByRole('row').filter({ hasText: 'Production read access' });
    // the worker delivers in the background: reload until both show delivered
    await eventually(
      page,
      'both packages to be delivered',
      async () => (await release.getByText('Delivered', { exact: true }).count()) > 0 && (await prod.getByText('Delivered', { exact: true }).count()) > 0,
      { reload: true, intervalMs: 250, afterReload: (p) => p.getByRole('heading', { name: 'My assignments' }).waitFor() },
    );
    await release.getByText('Delivered', { exact: true }).waitFor();
    await prod.getByText('Delivered', { exact: true }).waitFor();
    assert.ok(await release.getByRole('button', { name: 'Extend Release engineering' }).isDisabled(), '30-day access cannot be extended yet');
    // the window of a 30-day access: its last 14 days (src/domain/extension.ts, as the server decides)
    await release.locator('.ma-why', { hasText: /^You can extend this access from .+, shortly before it ends\.$/ }).waitFor();
    await prod.getByText(/ends in \d+ days/).waitFor();
    await assertAccessible(page, 'my access');
    await screenshot(page, 'myaccess-my-access');

    const before = (await admin(`${EM}/assignments?$filter=accessPackage/id eq '${ids.prod}'`)).value[0].schedule.expiration.endDateTime as string;
    await prod.getByRole('button', { name: 'Extend Production read access' }).click();
    const dialog = page.getByRole('dialog', { name: 'Extend access' });
    await dialog.getByText('No approval is needed: the extension applies at once.').waitFor();
    // the dialog names the new end: now + the policy's 7 days, the date the server then stores
    const promised = await dialog.getByText(/Extending gives you access until .+ \(7 days from now\)\./).textContent();
    await screenshot(page, 'myaccess-extend-dialog');
    await dialog.getByRole('button', { name: 'Extend' }).click();
    await page.getByText(/Your access to Production read access is extended until/).waitFor();
    const afterEnd = (await admin(`${EM}/assignments?$filter=accessPackage/id eq '${ids.prod}'`)).value[0].schedule.expiration.endDateTime as string;
    assert.ok(new Date(afterEnd) > new Date(before), `the end moved later: ${before} → ${afterEnd}`);
    const shown = await page.evaluate((iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), afterEnd);
    // the same minute, unless the extension crossed a minute boundary between the dialog and the server
    const minuteLater = await page.evaluate((iso) => new Date(new Date(iso).getTime() - 60_000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), afterEnd);
    assert.ok(promised?.includes(shown) || promised?.includes(minuteLater), `the dialog promised the stored end: ${promised} vs ${shown}`);
    const requests = await admin(`${EM}/assignmentRequests?$filter=accessPackage/id eq '${ids.prod}' and requestType eq 'userUpdate'`);
    assert.equal(requests.value.length, 1, 'one userUpdate request');

    // Alan gives up Release engineering: it leaves the active list and shows under Expired
    await release.getByRole('button', { name: 'Remove my access to Release engineering' }).click();
    await page.getByRole('dialog', { name: 'Remove my access' }).getByRole('button', { name: 'Remove my access' }).click();
    await page.getByText('Your access to Release engineering is being removed.').waitFor();
    await release.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Expired' }).click();
    await page.getByRole('row').filter({ hasText: 'Release engineering' }).waitFor();
    await screenshot(page, 'myaccess-my-access-expired');
    const removal = await admin(`${EM}/assignmentRequests?$filter=accessPackage/id eq '${ids.release}' and requestType eq 'userRemove'`);
    assert.equal(removal.value.length, 1, 'one userRemove request');
  });

  it('works at phone width (390px)', async () => {
    const ctx = await newContext(browser, server.url, { phone: true });
    const page = await ctx.newPage();
    await signInAs(page, 'Alan Turing');
    await page.getByRole('heading', { name: 'Access packages', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Release engineering' }).waitFor();
    await screenshot(page, 'myaccess-packages-phone');
    // at phone width the side navigation is a menu
    await page.getByRole('navigation', { name: 'My Access' }).getByRole('button', { name: /^☰? ?My Access menu/ }).click();
    await page.getByRole('navigation', { name: 'My Access' }).getByRole('link', { name: 'My assignments' }).click();
    await page.getByRole('row').filter({ hasText: 'Production read access' }).waitFor();
    await screenshot(page, 'myaccess-my-access-phone');
    const overflow = (await page.evaluate(`(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1);
      return { by: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5).map((e) => e.tagName.toLowerCase() + '.' + e.className) };
    })()`)) as { by: number; wide: string[] };
    assert.ok(overflow.by <= 1, `no horizontal scrolling at 390px (overflow ${overflow.by}px from ${overflow.wide.join(', ')})`);
    await assertAccessible(page, 'my access (phone)');
    await ctx.close();
  });
});
