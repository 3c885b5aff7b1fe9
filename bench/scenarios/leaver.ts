import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import pino from 'pino';
import { systemClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { createServices } from '../../src/services/index.js';
import { slapdMissing } from '../../test/support/slapd.js';
import { call } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log, percentile } from '../lib/log.js';
import { ldapTarget, offer } from './connected.js';
import { waitForRequests } from './lifecycle.js';

// Leaver latency (issue 13): people provisioned by an identity provider through /scim/v2 (with a
// provisioning token, as `latchkey token create --scim` makes) and holding a package whose role is a group
// of a real OpenLDAP (slapd, started here; their accounts there matched by mail) are deactivated one after
// another as Entra does it (SCIM PATCH, replace active with "False"), at a steady pace (leavers arrive one by
// one, not in a burst); each one's time runs from sending the PATCH to the moment their entry is read gone
// from the LDAP group's members (polled every 20 ms). That covers the SCIM write, the leaver job, the
// systemRemove request, the revocation job and the LDAP modify.

export interface LeaverRun {
  leavers: number;
  removed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** why it did not run, when it did not */
  skipped?: string;
}

export async function leaverLatency(ctx: BenchContext, url: string, total: number, paceMs = 100): Promise<LeaverRun> {
  const empty = { leavers: 0, removed: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const missing = slapdMissing();
  if (missing) return { ...empty, skipped: missing };
  const services = createServices({ db: ctx.store.db, clock: systemClock, log: pino({ level: 'silent' }) });
  const run = newId().slice(0, 8);
  const { token: scimToken } = await services.tokens.createProvisioning(`Bench leavers ${run}`);
  const scim = async (method: 'POST' | 'PATCH', path: string, body: unknown) =>
    call(url, { method, path: `/scim/v2${path}`, token: scimToken, body });
  const rows: { id: string; mail: string }[] = [];
  for (let i = 0; i < total; i++) {
    const mail = `leaver.${run}.${i}@bench.test`;
    const r = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: mail, active: true, displayName: `Leaver ${i}`, emails: [{ primary: true, type: 'work', value: mail }],
    });
    if (r.status !== 201) throw new Error(`bench: SCIM POST /Users ${r.status} ${r.body}`);
    rows.push({ id: (JSON.parse(r.body) as { id: string }).id, mail });
  }
  const byId = new Map(rows.map((r, i) => [r.id, i]));
  const target = await ldapTarget(rows);
  const settings = target.connection.settings as { url: string; bindDn: string };
  const reader = new Client({ url: settings.url, timeout: 5000 });
  try {
    await reader.bind(settings.bindDn, target.connection.secrets.bindPassword);
    const packageId = await offer(ctx, url, target);
    const policies = await call(url, { path: `${EM}/assignmentPolicies?$filter=accessPackage/id eq '${packageId}'`, token: ctx.manifest.adminToken });
    const policyId = (JSON.parse(policies.body) as { value: { id: string }[] }).value[0].id;
    // everyone gets the package first (an administrator's adminAdd), and it reaches LDAP
    const ids: string[] = [];
    for (const u of rows) {
      const r = await call(url, {
        method: 'POST', path: `${EM}/assignmentRequests`, token: ctx.manifest.adminToken,
        body: { requestType: 'adminAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId, targetId: u.id } },
      });
      if (r.status === 201) ids.push((JSON.parse(r.body) as { id: string }).id);
      else log(`  ! adminAdd ${u.id}: ${r.status} ${r.body}`);
    }
    const done = await waitForRequests(ctx, ids, 300_000);
    log(`  leaver: ${done.filter((d) => d.state === 'delivered').length}/${total} hold the LDAP group`);

    const members = async (): Promise<Set<string>> => {
      const r = await reader.search(target.resource.originId, { scope: 'base', attributes: ['member'] });
      const v = r.searchEntries[0]?.member ?? [];
      return new Set((Array.isArray(v) ? v : [v]).map(String));
    };
    const dnOf = (userId: string) => `uid=u${byId.get(userId)},ou=people,${target.resource.originId.split(',').slice(2).join(',')}`;
    const sentAt = new Map<string, number>();
    const goneAfter = new Map<string, number>();
    let sending = true;
    const watcher = (async () => {
      while (sending || goneAfter.size < sentAt.size) {
        const now = await members();
        const at = Date.now();
        for (const [id, t0] of sentAt) if (!goneAfter.has(id) && !now.has(dnOf(id))) goneAfter.set(id, at - t0);
        if (!sending && Date.now() - Math.max(...sentAt.values()) > 60_000) break;
        await sleep(20);
      }
    })();
    for (const u of rows) {
      sentAt.set(u.id, Date.now());
      const r = await scim('PATCH', `/Users/${u.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      if (r.status !== 200 && r.status !== 204) log(`  ! deactivate ${u.id}: ${r.status} ${r.body}`);
      await sleep(paceMs);
    }
    sending = false;
    await watcher;
    const lat = [...goneAfter.values()];
    log(`  leaver: ${lat.length}/${total} out of LDAP; p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms`);
    return { leavers: total, removed: lat.length, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: Math.max(0, ...lat) };
  } finally {
    await reader.unbind().catch(() => undefined);
    await target.stop();
  }
}
