import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { ServiceUnavailableError } from '../../src/domain/errors.js';
import { generateSigningSecret } from '../../src/connectors/webhook/index.js';
import { createServices } from '../../src/services/index.js';
import { unavailableSecretBox } from '../../src/store/secret-box.js';
import { EM, type ApiClient, type ApiResponse } from '../support/client.js';
import { captureLog } from '../support/log-capture.js';
import { startScimServer, type ScimServer } from '../support/scim-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// The connections API (/latchkey/v1/connections) over HTTP against real target systems: a webhook
// receiver verifying Standard Webhooks signatures, OpenLDAP (slapd), the local PostgreSQL and a SCIM
// service provider (better-auth). Every answer, audit record and log line of the suite is checked
// for the secrets it handled: none may appear anywhere.

const CONNECTIONS = '/latchkey/v1/connections';
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');

/** A receiver that answers 200 to what verifies with `secret` and 401 to anything else. */
async function webhookReceiver(secret: string) {
  const verifier = new Webhook(secret);
  let pings = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      try {
        verifier.verify(raw, {
          'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']),
        });
      } catch {
        res.writeHead(401).end('signature does not verify');
        return;
      }
      pings++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    pings: () => pings,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('connections API', () => {
  const log = captureLog('debug');
  let t: TestServer;
  /** every secret the suite sends: none may come back, be audited or be logged */
  const secrets: string[] = [];
  /** every answer of the suite, searched for the secrets at the end */
  const answers: string[] = [];
  const SECRET = generateSigningSecret();
  const OTHER_SECRET = generateSigningSecret();
  secrets.push(SECRET, OTHER_SECRET);
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

  const call = async (client: ApiClient, method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const r = await client.request(method, path, body);
    answers.push(r.text);
    return r;
  };
  const admin = (method: string, path: string, body?: unknown) => call(t.admin, method, path, body);
  const webhookBody = (extra: Record<string, unknown> = {}) => ({
    kind: 'webhook', displayName: 'Ticket queue', description: 'Access requests to the service desk',
    settings: { url: receiver.url, resources: [{ id: 'vpn', displayName: 'VPN' }, { id: 'wiki', displayName: 'Wiki' }] },
    secrets: { signingSecret: SECRET },
    ...extra,
  });
  const newCatalog = async () => {
    const r = await admin('POST', `${EM}/catalogs`, { displayName: `connections ${randomBytes(4).toString('hex')}` });
    assert.equal(r.status, 201, r.text);
    return r.body.id as string;
  };
  const expectError = (r: ApiResponse, status: number, target: string, re?: RegExp) => {
    assert.equal(r.status, status, r.text);
    assert.equal(r.body.error.target, target, r.text);
    if (re) assert.match(r.body.error.message, re);
  };

  before(async () => {
    receiver = await webhookReceiver(SECRET);
    t = await startTestServer({ logger: log.logger });
  });
  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('creates, reads, lists, updates and deletes a connection, showing which secrets are set but never their values', async () => {
    const created = await admin('POST', CONNECTIONS, webhookBody());
    assert.equal(created.status, 201, created.text);
    const c = created.body;
    assert.equal(created.headers.get('location'), `${CONNECTIONS}/${c.id}`);
    assert.equal(c.kind, 'webhook');
    assert.equal(c.originSystem, 'Webhook');
    assert.equal(c.displayName, 'Ticket queue');
    assert.deepEqual(c.secrets, { signingSecret: '********' });
    // the stored settings are the defaulted ones: what the target will use
    assert.equal(c.settings.allowInsecureHttp, false);
    assert.deepEqual(c.settings.roles, [{ id: 'member', displayName: 'Member' }]);
    assert.equal(c.timeoutMs, 10000);
    assert.equal(c.concurrency, 4);
    // a webhook without holdersUrl cannot be reconciled: no schedule by default (reconcile-scim tests the other case)
    assert.equal(c.reconcileInterval, null);
    assert.equal(c.nextReconcileAt, null);
    assert.equal(c.health, 'unknown');
    assert.equal(c.resourceCount, 0);
    assert.equal(c.lastError, null);

    const got = await admin('GET', `${CONNECTIONS}/${c.id.toUpperCase()}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.body, c);
    const list = await admin('GET', CONNECTIONS);
    assert.ok(list.body.value.some((x: { id: string }) => x.id === c.id));

    // a patch without secrets keeps the stored one: the test still signs with it
    const renamed = await admin('PATCH', `${CONNECTIONS}/${c.id}`, { displayName: 'Service desk', timeoutMs: 5000, reconcileInterval: null });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.displayName, 'Service desk');
    assert.equal(renamed.body.timeoutMs, 5000);
    assert.equal(renamed.body.reconcileInterval, null);
    assert.equal(renamed.body.nextReconcileAt, null);
    assert.deepEqual(renamed.body.secrets, { signingSecret: '********' });
    const pings = receiver.pings();
    const ok = await admin('POST', `${CONNECTIONS}/${c.id}/test`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.ok, true, ok.text);
    assert.match(ok.body.summary, /answered 200 to a signed ping; 2 resources and 1 roles declared/);
    assert.equal(receiver.pings(), pings + 1);
    assert.equal((await admin('GET', `${CONNECTIONS}/${c.id}`)).body.health, 'healthy');

    // another secret replaces the stored one: the receiver no longer verifies the ping
    const rotated = await admin('PATCH', `${CONNECTIONS}/${c.id}`, { secrets: { signingSecret: OTHER_SECRET } });
    assert.equal(rotated.status, 200, rotated.text);
    const failed = await admin('POST', `${CONNECTIONS}/${c.id}/test`);
    assert.equal(failed.status, 200, failed.text);
    assert.equal(failed.body.ok, false);
    assert.match(failed.body.error, /401/);
    const failing = (await admin('GET', `${CONNECTIONS}/${c.id}`)).body;
    assert.equal(failing.health, 'failing');
    assert.equal(failing.lastError, failed.body.error);
    assert.ok(failing.lastErrorAt);

    // settings are replaced as a whole and read again
    const resettled = await admin('PATCH', `${CONNECTIONS}/${c.id}`, { settings: { url: receiver.url, roles: [{ id: 'user', displayName: 'User' }] }, secrets: { signingSecret: SECRET } });
    assert.equal(resettled.status, 200, resettled.text);
    assert.deepEqual(resettled.body.settings.resources, []);
    assert.deepEqual(resettled.body.settings.roles, [{ id: 'user', displayName: 'User' }]);
    assert.equal((await admin('POST', `${CONNECTIONS}/${c.id}/test`)).body.ok, true);

    const deleted = await admin('DELETE', `${CONNECTIONS}/${c.id}`);
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal((await admin('GET', `${CONNECTIONS}/${c.id}`)).status, 404);
    assert.equal((await admin('DELETE', `${CONNECTIONS}/${c.id}`)).status, 404);
    assert.equal((await admin('POST', `${CONNECTIONS}/${c.id}/test`)).status, 404);

    const activities = (await t.store.db.selectFrom('auditEvents').select(['activity', 'result']).where('targetId', '=', c.id).orderBy('occurredAt').execute())
      .map((e) => `${e.activity}:${e.result}`);
    assert.deepEqual(activities.sort(), [
      'Create connection:success', 'Delete connection:success', 'Test connection:failure', 'Test connection:success', 'Test connection:success',
      'Update connection:success', 'Update connection:success', 'Update connection:success',
    ]);
  });

  it('refuses bad input naming the field, without quoting a secret', async () => {
    const bad = async (body: unknown, target: string, re?: RegExp) => expectError(await admin('POST', CONNECTIONS, body), 400, target, re);
    await bad(webhookBody({ kind: 'ftp' }), 'kind', /kinds: ldap, scim, postgresql, webhook/);
    await bad(webhookBody({ settings: { resources: [] } }), 'settings.url');
    await bad(webhookBody({ settings: { url: 'http://example.com/hook' } }), 'settings.url', /https/);
    await bad(webhookBody({ secrets: { signingSecret: 'not-a-whsec-secret-value-1234' } }), 'secrets.signingSecret');
    await bad(webhookBody({ secrets: {} }), 'secrets.signingSecret');
    await bad(webhookBody({ timeoutMs: 5 }), 'timeoutMs');
    await bad(webhookBody({ concurrency: 0 }), 'concurrency');
    await bad(webhookBody({ reconcileInterval: 'hourly' }), 'reconcileInterval');
    await bad(webhookBody({ reconcileInterval: 'PT0S' }), 'reconcileInterval');
    await bad(webhookBody({ displayName: '  ' }), 'displayName');
    await bad({ kind: 'ldap', displayName: 'x', settings: { url: 'http://ldap', bindDn: 'cn=a', baseDn: SUFFIX }, secrets: { bindPassword: 'p' } }, 'settings.url');
    await bad({ kind: 'ldap', displayName: 'x', settings: { url: 'ldap://ldap', bindDn: 'cn=a', baseDn: SUFFIX }, secrets: {} }, 'secrets.bindPassword');
    await bad({ kind: 'scim', displayName: 'x', settings: { baseUrl: 'http://scim.example.com/v2' }, secrets: { bearerToken: 't' } }, 'settings.baseUrl', /https/);
    await bad({ kind: 'postgresql', displayName: 'x', settings: { host: 'db', user: 'u', port: 70000 }, secrets: {} }, 'settings.port');
    const leaky = 'whsec_short-but-secret';
    const r = await admin('POST', CONNECTIONS, webhookBody({ secrets: { signingSecret: leaky } }));
    expectError(r, 400, 'secrets.signingSecret');
    assert.ok(!r.text.includes(leaky), 'the refused secret is not quoted back');

    const c = (await admin('POST', CONNECTIONS, webhookBody())).body;
    expectError(await admin('PATCH', `${CONNECTIONS}/${c.id}`, { kind: 'ldap' }), 400, 'kind');
    expectError(await admin('PATCH', `${CONNECTIONS}/${c.id}`, { secrets: { password: 'x' } }), 400, 'secrets.password');
    expectError(await admin('PATCH', `${CONNECTIONS}/${c.id}`, { settings: { url: 'ftp://x' } }), 400, 'settings.url');
    expectError(await admin('PATCH', `${CONNECTIONS}/${c.id}`, { concurrency: 1000 }), 400, 'concurrency');
    const browse = await admin('GET', `${CONNECTIONS}/${c.id}/resources?top=500`);
    expectError(browse, 400, 'top');
    assert.equal((await admin('DELETE', `${CONNECTIONS}/${c.id}`)).status, 204);
  });

  it('lists the kinds with the schemas of their settings and secrets, for the portal\'s forms', async () => {
    const r = await admin('GET', '/latchkey/v1/connectionKinds');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value.map((k: { kind: string; originSystem: string }) => `${k.kind}:${k.originSystem}`), ['ldap:LdapGroup', 'scim:ScimGroup', 'postgresql:PostgresRole', 'webhook:Webhook']);
    const ldap = r.body.value[0];
    assert.ok(ldap.settingsSchema.properties.bindDn.description);
    assert.deepEqual(ldap.settingsSchema.required.sort(), ['baseDn', 'bindDn', 'url']);
    assert.deepEqual(Object.keys(ldap.secretsSchema.properties), ['bindPassword']);
    assert.equal(r.body.value[3].settingsSchema.properties.allowInsecureHttp.default, false);
    assert.equal((await call((await t.user()).client, 'GET', '/latchkey/v1/connectionKinds')).status, 403);
    const catalogId = await newCatalog();
    const unknown = await admin('POST', `${EM}/resourceRequests`, { requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'FtpFolder', originId: 'x' } });
    expectError(unknown, 400, 'resource.originSystem', /supported: AadGroup, .*LdapGroup, ScimGroup, PostgresRole, Webhook/);
  });

  it('lets only tenant administrators near connections', async () => {
    const c = (await admin('POST', CONNECTIONS, webhookBody())).body;
    const catalogId = await newCatalog();
    const owner = await t.user();
    await t.grantRole(owner.id, R.catalogOwner, catalogId);
    const orgAdmin = await t.user();
    await t.grantRole(orgAdmin.id, R.connectedOrganizationAdministrator);
    for (const who of [owner.client, orgAdmin.client]) {
      for (const [method, path] of [['GET', CONNECTIONS], ['GET', `${CONNECTIONS}/${c.id}`], ['POST', `${CONNECTIONS}/${c.id}/test`], ['GET', `${CONNECTIONS}/${c.id}/resources`]]) {
        const r = await call(who, method, path, method === 'POST' ? {} : undefined);
        assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      }
    }
    assert.equal((await call(t.anonymous, 'GET', CONNECTIONS)).status, 401);
    // a catalog owner may add groups they own, but a connection's resources need the administrator
    const add = await call(owner.client, 'POST', `${EM}/resourceRequests`, {
      requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'Webhook', originId: 'vpn', environment: { id: c.id } },
    });
    assert.equal(add.status, 403, add.text);
    assert.match(add.body.error.message, /tenant administrator.*connections have no owners/);
    assert.equal((await admin('DELETE', `${CONNECTIONS}/${c.id}`)).status, 204);
  });

  it('browses a webhook\'s declared resources and adds one to a catalog, its environment named', async () => {
    const c = (await admin('POST', CONNECTIONS, webhookBody({ displayName: 'Desk' }))).body;
    const browse = await admin('GET', `${CONNECTIONS}/${c.id}/resources?search=vp`);
    assert.equal(browse.status, 200, browse.text);
    assert.deepEqual(browse.body.value.map((r: { originId: string }) => r.originId), ['vpn']);
    assert.deepEqual(browse.body.value[0].roles, [{ originId: 'member', displayName: 'Member', description: null }]);
    const catalogId = await newCatalog();
    const add = await admin('POST', `${EM}/resourceRequests`, {
      requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'webhook', originId: 'vpn', environment: { id: c.id } },
    });
    assert.equal(add.status, 201, add.text);
    assert.equal(add.body.resource.originSystem, 'Webhook');
    assert.equal(add.body.resource.environment.id, c.id);
    assert.equal(add.body.resource.environment.originSystem, 'Webhook');
    assert.deepEqual(add.body.resource.roles.map((r: { originId: string }) => r.originId), ['member']);
    assert.equal((await admin('GET', `${CONNECTIONS}/${c.id}`)).body.resourceCount, 1);

    // in use: the delete is refused naming the resource; once removed from its catalog it goes
    const refused = await admin('DELETE', `${CONNECTIONS}/${c.id}`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'ConnectionInUse');
    assert.match(refused.body.error.message, new RegExp(`resource 'VPN' \\(${add.body.resource.id}\\) of catalog '${catalogId}'`));
    const removed = await admin('POST', `${EM}/resourceRequests`, { requestType: 'adminRemove', catalog: { id: catalogId }, resource: { id: add.body.resource.id } });
    assert.equal(removed.status, 201, removed.text);
    assert.equal((await admin('DELETE', `${CONNECTIONS}/${c.id}`)).status, 204);
  });

  it('shows a catalog reader only the environments of the resources of catalogs they read', async () => {
    const mine = (await admin('POST', CONNECTIONS, webhookBody({ displayName: 'Env mine' }))).body;
    const theirs = (await admin('POST', CONNECTIONS, webhookBody({ displayName: 'Env theirs' }))).body;
    const unused = (await admin('POST', CONNECTIONS, webhookBody({ displayName: 'Env unused' }))).body;
    const [myCatalog, otherCatalog] = [await newCatalog(), await newCatalog()];
    for (const [catalogId, c] of [[myCatalog, mine], [otherCatalog, theirs]] as const) {
      const add = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'Webhook', originId: 'wiki', environment: { id: c.id } },
      });
      assert.equal(add.status, 201, add.text);
    }
    const reader = await t.user();
    await t.grantRole(reader.id, R.catalogReader, myCatalog);
    const ours = [mine.id, theirs.id, unused.id];
    const seen = async (client: ApiClient) => {
      const r = await call(client, 'GET', `${EM}/resourceEnvironments`);
      assert.equal(r.status, 200, r.text);
      return (r.body.value as { id: string }[]).map((e) => e.id).filter((id) => ours.includes(id)).sort();
    };
    // a role scoped to one catalog never reaches another: not the other catalog's connection, nor an unused one
    assert.deepEqual(await seen(reader.client), [mine.id]);
    assert.deepEqual(await seen(t.admin), [...ours].sort());
  });

  it('says why a connection\'s secrets cannot be used when the server has no key, instead of crashing', async () => {
    const services = createServices({ db: t.store.db, clock: t.clock, log: t.app.server.log }, { secretBox: unavailableSecretBox('set LATCHKEY_SECRET_KEY and restart') });
    const caller = { principal: { userId: t.adminId, displayName: 'a', userPrincipalName: 'a', userType: 'Member', tenantRoles: new Set([R.administrator]), catalogRoles: new Map() }, correlationId: null };
    await assert.rejects(services.connections.create(caller, webhookBody()), (e: unknown) => {
      assert.ok(e instanceof ServiceUnavailableError, String(e));
      assert.equal(e.status, 503);
      assert.match(e.message, /set LATCHKEY_SECRET_KEY/);
      return true;
    });
  });

  describe('against OpenLDAP', { skip: slapdMissing() }, () => {
    let slapd: Slapd;
    const ldapBody = (password: string, name = 'Directory') => ({
      kind: 'ldap', displayName: name,
      settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: password },
    });
    before(async () => {
      slapd = await startSlapd();
      secrets.push(slapd.adminPassword);
      await slapd.ldapadd([
        `dn: uid=alice,${PEOPLE}`, 'objectClass: inetOrgPerson', 'uid: alice', 'cn: Alice', 'sn: A', 'mail: alice@example.com', '',
        `dn: cn=engineering,${GROUPS}`, 'objectClass: groupOfNames', 'cn: engineering', 'description: Engineers', `member: uid=alice,${PEOPLE}`, '',
        `dn: cn=finance,${GROUPS}`, 'objectClass: groupOfNames', 'cn: finance', `member: uid=alice,${PEOPLE}`, '',
      ].join('\n'));
    });
    after(async () => { await slapd?.stop(); });

    it('tests a connection: found with the right password, failing with the error with a wrong one', async () => {
      const good = (await admin('POST', CONNECTIONS, ldapBody(slapd.adminPassword))).body;
      const ok = await admin('POST', `${CONNECTIONS}/${good.id}/test`);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.ok, true, ok.text);
      assert.match(ok.body.summary, new RegExp(`as ${slapd.adminDn}; 2 groups under ${GROUPS}`));
      const healthy = (await admin('GET', `${CONNECTIONS}/${good.id}`)).body;
      assert.equal(healthy.health, 'healthy');
      assert.ok(healthy.lastSuccessAt);

      const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
      secrets.push(wrongPassword);
      const bad = (await admin('POST', CONNECTIONS, ldapBody(wrongPassword, 'Directory with a wrong password'))).body;
      const failed = await admin('POST', `${CONNECTIONS}/${bad.id}/test`);
      assert.equal(failed.status, 200, failed.text);
      assert.equal(failed.body.ok, false);
      assert.match(failed.body.error, /invalidCredentials/);
      const failing = (await admin('GET', `${CONNECTIONS}/${bad.id}`)).body;
      assert.equal(failing.health, 'failing');
      assert.match(failing.lastError, /invalidCredentials/);

      // fixing the password (only the secret, the settings unchanged) makes it healthy again
      await admin('PATCH', `${CONNECTIONS}/${bad.id}`, { secrets: { bindPassword: slapd.adminPassword } });
      assert.equal((await admin('POST', `${CONNECTIONS}/${bad.id}/test`)).body.ok, true);
      assert.equal((await admin('GET', `${CONNECTIONS}/${bad.id}`)).body.health, 'healthy');
      assert.equal((await admin('DELETE', `${CONNECTIONS}/${bad.id}`)).status, 204);
    });

    it('browses groups, adds one through resourceRequests, shows its environment, and refuses to guess between two connections', async () => {
      const conn = (await admin('GET', CONNECTIONS)).body.value.find((c: { kind: string }) => c.kind === 'ldap');
      assert.ok(conn, 'the LDAP connection of the previous test');
      const browse = await admin('GET', `${CONNECTIONS}/${conn.id}/resources?search=eng&top=5`);
      assert.equal(browse.status, 200, browse.text);
      assert.deepEqual(browse.body.value, [{
        originId: `cn=engineering,${GROUPS}`, displayName: 'engineering', description: 'Engineers', resourceType: 'LDAP groupOfNames', addable: true,
        roles: [{ originId: 'member', displayName: 'Member', description: browse.body.value[0].roles[0].description }],
      }]);

      const catalogId = await newCatalog();
      // one LDAP connection: the environment may be left out
      const add = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'LdapGroup', originId: `cn=engineering,${GROUPS}` },
      });
      assert.equal(add.status, 201, add.text);
      const resource = add.body.resource;
      assert.equal(resource.displayName, 'engineering');
      assert.equal(resource.description, 'Engineers');
      assert.equal(resource.environment.id, conn.id);
      assert.deepEqual(resource.roles.map((r: { originId: string }) => r.originId), ['member']);
      assert.deepEqual(resource.scopes.map((s: { isRootScope: boolean }) => s.isRootScope), [true]);
      const stored = await t.store.db.selectFrom('resources').select('connectionId').where('id', '=', resource.id).executeTakeFirstOrThrow();
      assert.equal(stored.connectionId, conn.id);

      const expanded = await admin('GET', `${EM}/catalogs/${catalogId}/resources?$expand=environment`);
      assert.equal(expanded.status, 200, expanded.text);
      assert.deepEqual(expanded.body.value[0].environment, {
        id: conn.id, originId: conn.id, originSystem: 'LdapGroup', displayName: 'Directory', description: null, isDefaultEnvironment: false,
        connectionInfo: { url: slapd.url }, createdDateTime: conn.createdDateTime, modifiedDateTime: conn.modifiedDateTime,
      });
      const environments = await admin('GET', `${EM}/resourceEnvironments?$filter=originId eq '${conn.id}'`);
      assert.equal(environments.status, 200, environments.text);
      assert.deepEqual(environments.body.value, [expanded.body.value[0].environment]);

      const missing = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'LdapGroup', originId: `cn=nobody,${GROUPS}` },
      });
      expectError(missing, 400, 'resource.originId');
      assert.equal(missing.body.error.code, 'ResourceNotFound');

      // a second LDAP connection: now the request must say which
      const second = (await admin('POST', CONNECTIONS, ldapBody(slapd.adminPassword, 'Second directory'))).body;
      const ambiguous = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'LdapGroup', originId: `cn=finance,${GROUPS}` },
      });
      expectError(ambiguous, 400, 'resource.environment', /2 ldap connections/);
      const wrongKind = (await admin('POST', CONNECTIONS, webhookBody())).body;
      expectError(await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'LdapGroup', originId: `cn=finance,${GROUPS}`, environment: { id: wrongKind.id } },
      }), 400, 'resource.environment', /webhook connection, not ldap/);
      const named = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'LdapGroup', originId: `cn=finance,${GROUPS}`, environment: { id: second.id } },
      });
      assert.equal(named.status, 201, named.text);
      assert.equal(named.body.resource.environment.id, second.id);
      // the built-in directory's groups have no environment
      const group = await admin('POST', '/v1.0/groups', { displayName: 'plain group' });
      const plain = await admin('POST', `${EM}/resourceRequests`, { requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'AadGroup', originId: group.body.id } });
      assert.equal(plain.status, 201, plain.text);
      assert.equal(plain.body.resource.environment, undefined);
      const all = await admin('GET', `${EM}/catalogs/${catalogId}/resources?$expand=environment&$orderby=displayName`);
      assert.deepEqual(all.body.value.map((r: { displayName: string; environment: { id: string } | null }) => [r.displayName, r.environment?.id ?? null]),
        [['engineering', conn.id], ['finance', second.id], ['plain group', null]]);
    });
  });

  describe('against PostgreSQL', () => {
    const prefix = `lkh1_${randomBytes(4).toString('hex')}_`;
    let client: pg.Client;
    before(async () => {
      client = new pg.Client({ connectionString: PG_URL.toString() });
      await client.connect();
      await client.query(`CREATE ROLE ${prefix}readers NOLOGIN`);
    });
    after(async () => {
      await client?.query(`DROP ROLE IF EXISTS ${prefix}readers`).catch(() => undefined);
      await client?.end();
    });

    it('tests the connection and adds a role, with its Member and Admin roles, without naming the only PostgreSQL connection', async () => {
      const c = await admin('POST', CONNECTIONS, {
        kind: 'postgresql', displayName: 'Warehouse',
        settings: { host: PG_URL.hostname, port: Number(PG_URL.port || 5432), database: PG_URL.pathname.slice(1) || 'postgres', user: decodeURIComponent(PG_URL.username), ssl: 'disable', managedRolePrefix: prefix },
        secrets: {},
      });
      assert.equal(c.status, 201, c.text);
      assert.deepEqual(c.body.secrets, {}, 'no password set, none shown');
      assert.deepEqual(c.body.settings.accountRule, { property: 'mailNickname' });
      const ok = await admin('POST', `${CONNECTIONS}/${c.body.id}/test`);
      assert.equal(ok.body.ok, true, ok.text);
      assert.match(ok.body.summary, /1 roles to govern/);
      const catalogId = await newCatalog();
      const add = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'PostgresRole', originId: `${prefix}readers` },
      });
      assert.equal(add.status, 201, add.text);
      assert.equal(add.body.resource.environment.id, c.body.id);
      assert.deepEqual(add.body.resource.roles.map((r: { originId: string }) => r.originId).sort(), ['admin', 'member']);
      const outside = await admin('POST', `${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogId }, resource: { originSystem: 'PostgresRole', originId: 'pg_read_all_data' },
      });
      expectError(outside, 400, 'resource.originId');
    });
  });

  describe('against a SCIM service provider', () => {
    let scim: ScimServer;
    before(async () => {
      scim = await startScimServer({ groups: [{ displayName: 'Designers' }] });
      secrets.push(scim.token);
    });
    after(async () => { await scim?.dispose(); });

    it('tests the connection with the bearer token, and reports a wrong one', async () => {
      const c = (await admin('POST', CONNECTIONS, { kind: 'scim', displayName: 'Design app', settings: { baseUrl: scim.baseUrl }, secrets: { bearerToken: scim.token } })).body;
      assert.deepEqual(c.secrets, { bearerToken: '********' });
      const ok = await admin('POST', `${CONNECTIONS}/${c.id}/test`);
      assert.equal(ok.body.ok, true, ok.text);
      const browse = await admin('GET', `${CONNECTIONS}/${c.id}/resources?search=Design`);
      assert.deepEqual(browse.body.value.map((r: { displayName: string }) => r.displayName), ['Designers']);
      const wrong = `scim-${randomBytes(12).toString('hex')}`;
      secrets.push(wrong);
      await admin('PATCH', `${CONNECTIONS}/${c.id}`, { secrets: { bearerToken: wrong } });
      const failed = await admin('POST', `${CONNECTIONS}/${c.id}/test`);
      assert.equal(failed.body.ok, false, failed.text);
      assert.equal((await admin('GET', `${CONNECTIONS}/${c.id}`)).body.health, 'failing');
    });
  });

  it('never shows, audits or logs a secret', async () => {
    const audit = (await t.store.db.selectFrom('auditEvents').selectAll().execute()).map((e) => JSON.stringify(e)).join('\n');
    assert.match(audit, /Create connection/);
    assert.match(audit, /secrets\.signingSecret/, 'the audit says a secret was set');
    const logged = log.text();
    assert.ok(logged.length > 0, 'the server logged');
    assert.ok(answers.length > 20);
    const stored = (await t.store.db.selectFrom('connections').select('settings').execute()).map((r) => r.settings).join('\n');
    for (const s of secrets) {
      assert.ok(!answers.some((a) => a.includes(s)), 'a secret in an answer');
      assert.ok(!audit.includes(s), 'a secret in the audit trail');
      assert.ok(!logged.includes(s), 'a secret in the log');
      assert.ok(!stored.includes(s), 'a secret in the stored settings');
    }
  });
});
