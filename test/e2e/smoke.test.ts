import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot, signInAs, signOut } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';

// The shell of both portals: demo sign-in, navigation by role, sign-out, the phone layout.
describe('web app shell', () => {
  let server: E2eServer;
  let browser: Browser;
  before(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('demo sign-in page lists demo people, marked as demo mode, and passes axe', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: /Demo mode/ }).waitFor();
    await page.getByRole('button', { name: /^Avery Admin\b/ }).waitFor();
    assert.ok((await page.getByRole('button', { name: /@contoso\.example/ }).count()) > 3, 'several demo people are offered');
    await assertAccessible(page, 'sign-in page');
    await screenshot(page, 'signin');
    await ctx.close();
  });

  it('an administrator sees both portals; a requestor sees only My Access; sign-out ends the session', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await signInAs(page, 'Avery Admin');
    assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 1, 'administrator sees Administration');
    await signOut(page);
    // the old session is gone: reloading lands on sign-in again
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor();
    await ctx.close();
  });

  it('an unknown My Access path lands on the packages page, once (no redirect loop)', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await signInAs(page, 'Avery Admin');
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    await page.goto('/myaccess/no-such-page');
    await page.waitForURL(`${server.url}/myaccess/packages`);
    await page.waitForLoadState('networkidle');
    assert.equal(new URL(page.url()).pathname, '/myaccess/packages', `stays on the packages page: ${page.url()}`);
    // the load, the sign-in gate and the redirect: a few, where the loop made hundreds
    assert.ok(navigations <= 4, `a few navigations, not a loop: ${navigations}`);
    await ctx.close();
  });
});
