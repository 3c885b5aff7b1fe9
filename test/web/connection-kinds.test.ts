import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formValues, intervalOf, kindInfo, newSigningSecret, parseLines, secretsOf, settingsOf, type KindInfo } from '../../src/web/admin/tenant/connection-kinds';

const ldap = kindInfo('ldap') as KindInfo;
const pg = kindInfo('postgresql') as KindInfo;
const webhook = kindInfo('webhook') as KindInfo;

describe('web connections: the settings form', () => {
  it('starts a new connection with the connector defaults and builds its settings, leaving out empty optional fields', () => {
    const v = formValues(ldap);
    assert.equal(v.accountAttribute, 'mail');
    assert.equal(v['tls.rejectUnauthorized'], true);
    assert.equal(v.url, '');
    const { settings, errors } = settingsOf(ldap, { ...v, url: ' ldap://127.0.0.1:389 ', bindDn: 'cn=admin,dc=x', baseDn: 'dc=x' });
    assert.deepEqual(errors, {});
    assert.deepEqual(settings, {
      url: 'ldap://127.0.0.1:389',
      bindDn: 'cn=admin,dc=x',
      baseDn: 'dc=x',
      accountAttribute: 'mail',
      userProperty: 'mail',
      accountValueTransform: 'none',
      tls: { rejectUnauthorized: true },
    });
  });

  it('names each required field left empty, by its settings path', () => {
    const { errors } = settingsOf(pg, { ...formValues(pg), host: '', user: '  ', port: 'x' });
    assert.deepEqual(Object.keys(errors).sort(), ['host', 'port', 'user']);
    assert.match(errors.port, /whole number/);
  });

  it('edits on top of the stored settings: fields the form does not show are kept, an emptied optional one is removed', () => {
    const stored = { host: 'db', port: 5433, database: 'app', user: 'lk', ssl: 'require', accountRule: { property: 'mail', template: 'lk_{mail}' }, createAccounts: true, includeLoginRoles: false, timeoutMs: 2000, managedRolePrefix: 'app_' };
    const v = formValues(pg, stored);
    assert.equal(v.port, '5433');
    assert.equal(v['accountRule.template'], 'lk_{mail}');
    assert.equal(v.createAccounts, true);
    const { settings, errors } = settingsOf(pg, { ...v, managedRolePrefix: '', 'accountRule.template': '' }, stored);
    assert.deepEqual(errors, {});
    assert.deepEqual(settings, { host: 'db', port: 5433, database: 'app', user: 'lk', ssl: 'require', accountRule: { property: 'mail' }, createAccounts: true, includeLoginRoles: false, timeoutMs: 2000 });
    assert.equal(stored.managedRolePrefix, 'app_', 'the stored settings are not changed in place');
  });

  it('reads a webhook\'s roles and resources one per line, and refuses a bad id', () => {
    const { settings, errors } = settingsOf(webhook, { ...formValues(webhook), url: 'https://h.example.com', resources: 'vpn | VPN | Remote access\n\nwiki|Wiki' });
    assert.deepEqual(errors, {});
    assert.deepEqual(settings.roles, [{ id: 'member', displayName: 'Member' }]);
    assert.deepEqual(settings.resources, [{ id: 'vpn', displayName: 'VPN', description: 'Remote access' }, { id: 'wiki', displayName: 'Wiki' }]);
    assert.match(String(parseLines('ok | Fine\nbad id | Bad')), /Line 2: the id 'bad id'/);
    assert.match(String(parseLines('lonely')), /Line 1: write id \| display name/);
    assert.equal(formValues(webhook, settings).resources, 'vpn | VPN | Remote access\nwiki | Wiki');
    assert.match(settingsOf(webhook, { ...formValues(webhook), url: 'https://h', roles: '' }).errors.roles, /at least one role/);
  });
});

describe('web connections: secrets', () => {
  it('requires a required secret on a new connection; on an edit an empty one keeps the stored value and is not sent', () => {
    assert.deepEqual(secretsOf(ldap, {}).errors, { bindPassword: 'Enter the bind password.' });
    assert.deepEqual(secretsOf(ldap, {}, { bindPassword: '********' }, true), { secrets: {}, errors: {} });
    assert.deepEqual(secretsOf(ldap, { bindPassword: 'new' }, { bindPassword: '********' }, true).secrets, { bindPassword: 'new' });
    assert.deepEqual(secretsOf(pg, {}), { secrets: {}, errors: {} }, 'a PostgreSQL password is optional');
  });

  it('generates Standard Webhooks signing secrets the connector accepts, a new one each time', () => {
    const a = newSigningSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    assert.notEqual(newSigningSecret(), a);
  });

  it('takes an ISO 8601 reconcile interval, or nothing for never', () => {
    assert.deepEqual(intervalOf(' pt1h '), { value: 'PT1H' });
    assert.deepEqual(intervalOf('P1DT12H'), { value: 'P1DT12H' });
    assert.deepEqual(intervalOf(''), { value: null });
    assert.ok('error' in intervalOf('hourly'));
    assert.ok('error' in intervalOf('PT'));
  });
});
