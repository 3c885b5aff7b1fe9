import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot } from './browser.js';

export interface EventuallyOptions {
  /** reload the page between tries (for what only a fresh load shows, e.g. the worker's delivery) */
  reload?: boolean;
  /** after each reload, wait for this before checking again (e.g. the list or its empty state) */
  afterReload?: (page: Page) => Promise<unknown>;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it holds; the worker and the pages act asynchronously. On timeout it leaves a
 * screenshot named after `what` and fails the test.
 */
export async function eventually(page: Page, what: string, check: () => Promise<boolean>, opts: EventuallyOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) {
      await screenshot(page, `timeout-${what.replace(/\W+/g, '-')}`);
      assert.fail(`timed out waiting for ${what} (see the screenshot)`);
    }
    await page.waitForTimeout(opts.intervalMs ?? 1000);
    if (opts.reload) {
      await page.reload();
      // the portal loads its data after the page's load event: check what it shows, not the empty shell
      await page.waitForLoadState('networkidle');
      await opts.afterReload?.(page);
    }
  }
}

/** A tab of the access package page (its links share words with other links on the page). */
export const packageTab = (page: Page, name: string) => page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name, exact: true });
