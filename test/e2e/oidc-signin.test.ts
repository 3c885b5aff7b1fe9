import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertAccessible, launchBrowser, newContext, screenshot } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

// Sign-in through a real OpenID Connect provider (oidc-provider, its own login and consent pages) in the
// browser: the sign-in page offers only the organisation's provider, the person comes back signed in to
// the page they asked for, and a person the directory does not know is turned away with a reason.
describe('OpenID Connect sign-in in the browser', () => {
  let provider: TestOidcProvider;
  let server: E2eServer;
  let browser: Browser;

  before(async () => {
    provider = await startOidcProvider();
    server = await startE2eServer({
      oidc: { issuer: provider.issuer, clientId: 'latchkey-e2e', clientSecret: 'e2e-secret', userClaim: 'preferred_username', scopes: 'openid profile email', displayName: 'Sign in with Contoso ID' },
    });
    provider.configure(
      [{ clientId: 'latchkey-e2e', clientSecret: 'e2e-secret', redirectUri: `${server.url}/latchkey/v1/auth/oidc/callback` }],
      [
        { login: 'grace', claims: { preferred_username: 'Grace.Hopper@contoso.example', name: 'Grace Hopper' } },
        { login: 'stranger', claims: { preferred_username: 'stranger@elsewhere.example', name: 'A Stranger' } },
      ],
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  async function providerSignIn(page: import('playwright-core').Page, login: string) {
    // oidc-provider's development interactions: a login form, then a consent form
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
  }

  it('signs a directory user in and returns to the page asked for', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await page.goto('/myaccess/requests');
    const button = page.getByRole('link', { name: 'Sign in with Contoso ID' });
    await button.waitFor();
    assert.equal(await page.getByRole('heading', { name: /Demo mode/ }).count(), 0, 'no demo sign-in next to a configured provider');
    await assertAccessible(page, 'sign-in page with OIDC');
    await screenshot(page, 'signin-oidc');
    await button.click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await providerSignIn(page, 'grace');
    await page.waitForURL(`${server.url}/myaccess/requests`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByText('Grace Hopper').first().waitFor();
    const cookies = await ctx.cookies(server.url);
    const session = cookies.find((c) => c.name === 'latchkey_session');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true, 'the session cookie is http-only');
    assert.equal(session.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
    await ctx.close();
  });

  it('turns away a person the directory does not know, with the reason', async () => {
    const ctx = await newContext(browser, server.url);
    const page = await ctx.newPage();
    await page.goto('/myaccess');
    await page.getByRole('link', { name: 'Sign in with Contoso ID' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await providerSignIn(page, 'stranger');
    await page.waitForURL((u) => u.origin === server.url && u.pathname === '/signin');
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /no user of this directory matches your account/, 'the refusal says why');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'not signed in');
    await ctx.close();
  });
});
