import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import type { Target } from '../../src/connectors/kit.js';
import { withLimits } from '../../src/connectors/limits.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { parseRetryAfter } from '../../src/connectors/scim/http.js';
import { resolveScimSettings, scimConnector, scimString } from '../../src/connectors/scim/index.js';

describe('SCIM connector pieces', () => {
  it('Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past: now');
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });

  it('filter literals are JSON strings: quotes and backslashes escaped', () => {
    assert.equal(scimString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(`userName eq ${scimString('x" or userName eq "y')}`, 'userName eq "x\\" or userName eq \\"y"');
  });

  it('settings: defaults, and every field described', () => {
    const s = resolveScimSettings({ baseUrl: 'https://app.example.com/scim/v2/' });
    assert.deepEqual(s, {
      baseUrl: 'https://app.example.com/scim/v2',
      allowInsecureHttp: false,
      accountAttribute: 'userName',
      accountProperty: 'userPrincipalName',
      createAccounts: false,
      memberRemoval: 'auto',
      pageSize: 100,
      timeoutMs: 10_000,
    });
    for (const [name, field] of Object.entries(scimConnector.settingsSchema.properties)) assert.ok((field as { description?: string }).description, `${name} has a description`);
    assert.ok(Value.Check(scimConnector.settingsSchema, { baseUrl: 'https://x', memberRemoval: 'valueList' }));
    assert.ok(!Value.Check(scimConnector.settingsSchema, { baseUrl: 'https://x', memberRemoval: 'other' }));
    assert.ok(!Value.Check(scimConnector.secretsSchema, {}));
    assert.throws(() => resolveScimSettings({ baseUrl: 'https://user:pw@x/scim' }), /must not carry credentials/);
    assert.throws(() => resolveScimSettings({ baseUrl: 'ftp://x' }), /http\(s\) URL/);
  });
});

describe('withLimits, as the SCIM target uses it', () => {
  const slowTarget = (ms: number, seen: { inFlight: number; max: number }): Target => ({
    test: async () => {
      seen.inFlight++;
      seen.max = Math.max(seen.max, seen.inFlight);
      await new Promise((r) => setTimeout(r, ms));
      seen.inFlight--;
      return { summary: 'ok' };
    },
    searchResources: async () => [],
    lookupResource: async () => undefined,
    rolesOf: () => [],
    findAccount: async () => undefined,
    grant: async () => ({ changed: true }),
    revoke: async () => ({ changed: true }),
    listHolders: async () => [],
    close: async () => {},
  });

  it('at most `concurrency` calls at a time', async () => {
    const seen = { inFlight: 0, max: 0 };
    const t = withLimits(slowTarget(20, seen), { timeoutMs: 1000, concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => t.test()));
    assert.equal(seen.max, 2);
    assert.equal(t.createAccount, undefined, 'an absent createAccount stays absent');
  });

  it('a call past timeoutMs is a retryable ConnectorError naming the timeout', async () => {
    const t = withLimits(slowTarget(300, { inFlight: 0, max: 0 }), { timeoutMs: 50, concurrency: 1 });
    await assert.rejects(t.test(), (e: unknown) => e instanceof ConnectorError && e.retryable && /within 50 ms/.test(e.message));
  });
});
