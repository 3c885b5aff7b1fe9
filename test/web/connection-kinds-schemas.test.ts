import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { findConnectorKind, readConnectionSecrets, readConnectionSettings } from '../../src/connectors/kinds';
import { KINDS, formValues, newSigningSecret, secretsOf, settingsOf } from '../../src/web/admin/tenant/connection-kinds';

// The portal's connection form repeats the fields of each connector's settings (the web app cannot import
// the connectors): this holds it to their schemas, so that a renamed setting, a new required one or a
// changed default shows here instead of as a 400 in the browser.

type Obj = TSchema & { properties?: Record<string, TSchema & { default?: unknown; anyOf?: { const?: unknown }[] }>; required?: string[] };

/** The schema of a setting at a dotted path, and whether it is required in its object. */
function at(schema: Obj, path: string): { schema: Obj & { default?: unknown; anyOf?: { const?: unknown }[] }; required: boolean } | undefined {
  let node: Obj = schema;
  let required = false;
  for (const key of path.split('.')) {
    const next = node.properties?.[key] as Obj | undefined;
    if (!next) return undefined;
    required = (node.required ?? []).includes(key);
    node = next;
  }
  return { schema: node, required };
}

/** What an administrator types into each kind's required fields. */
const TYPED: Record<string, Record<string, string>> = {
  ldap: { url: 'ldap://127.0.0.1:389', bindDn: 'cn=admin,dc=example,dc=com', baseDn: 'dc=example,dc=com' },
  scim: { baseUrl: 'https://app.example.com/scim/v2' },
  postgresql: { host: 'db.example.com', user: 'latchkey' },
  webhook: { url: 'https://hooks.example.com/latchkey', resources: 'vpn | VPN' },
};
const SECRETS: Record<string, () => Record<string, string>> = {
  ldap: () => ({ bindPassword: 'pw' }),
  scim: () => ({ bearerToken: 'token' }),
  postgresql: () => ({}),
  webhook: () => ({ signingSecret: newSigningSecret() }),
};

describe('web connections: the form follows the connectors', () => {
  for (const info of KINDS) {
    const kind = findConnectorKind(info.kind);

    it(`${info.kind}: every field is a setting of the connector, with its default and choices`, () => {
      assert.ok(kind, `a connector of kind ${info.kind}`);
      assert.equal(info.originSystem, kind.originSystem);
      for (const f of info.settings) {
        const found = at(kind.settingsSchema as Obj, f.path);
        assert.ok(found, `${info.kind}: settings.${f.path} is in the schema`);
        if (found.schema.default !== undefined && f.type !== 'lines' && f.initial !== undefined) {
          assert.equal(String(f.initial), String(found.schema.default), `${info.kind}: settings.${f.path} starts at the connector's default`);
        }
        if (f.type === 'select') {
          const allowed = (found.schema.anyOf ?? []).map((o) => o.const);
          assert.deepEqual(f.options?.map((o) => o.value).sort(), allowed.map(String).sort(), `${info.kind}: settings.${f.path} offers the connector's choices`);
        }
      }
      for (const s of info.secrets) {
        const found = at(kind.secretsSchema as Obj, s.key);
        assert.ok(found, `${info.kind}: secrets.${s.key} is in the schema`);
        assert.equal(s.required, found.required, `${info.kind}: secrets.${s.key} required as the connector says`);
      }
    });

    it(`${info.kind}: a required setting without a default is in the form, marked required`, () => {
      assert.ok(kind);
      const schema = kind.settingsSchema as Obj;
      for (const key of schema.required ?? []) {
        const prop = schema.properties?.[key];
        if (prop?.default !== undefined) continue;
        const field = info.settings.find((f) => f.path === key || f.path.startsWith(`${key}.`));
        assert.ok(field?.required, `${info.kind}: settings.${key} is required by the connector and by the form`);
      }
    });

    it(`${info.kind}: what the filled-in form sends is accepted by the connector`, () => {
      assert.ok(kind);
      const { settings, errors } = settingsOf(info, { ...formValues(info), ...TYPED[info.kind] });
      assert.deepEqual(errors, {});
      assert.doesNotThrow(() => readConnectionSettings(kind, settings));
      const secrets = secretsOf(info, SECRETS[info.kind]());
      assert.deepEqual(secrets.errors, {});
      assert.doesNotThrow(() => readConnectionSecrets(kind, secrets.secrets));
      // and an edit of what the connector stored (its defaults filled in) sends it back unchanged
      const stored = readConnectionSettings(kind, settings);
      assert.deepEqual(settingsOf(info, formValues(info, stored), stored).settings, stored);
    });
  }
});
