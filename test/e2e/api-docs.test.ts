import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchBrowser } from './support/browser.js';

// The API docs (Swagger UI at /docs) under their content security policy: it must still work, with
// nothing refused (the other browser tests bypass CSP to inject axe-core; this one keeps it).
describe('API docs under their content security policy', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders the operations with nothing refused by the policy', async () => {
    // Swagger UI renders only the operations near the viewport once a document has more than about 130
    // (scrolling brings the others in): a window 20,000 pixels high holds all of today's 136 at once
    const ctx = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 20_000 } });
    const page = await ctx.newPage();
    const refused: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text()); });
    await page.exposeFunction('reportViolation', (v: string) => { refused.push(v); });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const res = await page.goto('/docs/');
    assert.match(res?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('.opblock').count()) > 20, 'the operations of the OpenAPI document are listed');
    // open one operation: its details render too
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock-body').first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(refused, [], 'nothing was refused by the content security policy');
    await ctx.close();
  });
});
