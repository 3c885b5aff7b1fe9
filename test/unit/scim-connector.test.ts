import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parseRetryAfter } from '../../src/connectors/retry-after.js';
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
