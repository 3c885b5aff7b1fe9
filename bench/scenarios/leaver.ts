import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { slapdMissing } from '../../test/support/slapd.js';
import { call } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log, percentile } from '../lib/log.js';
import { ldapTarget, offer } from './connected.js';
import { waitForRequests } from './lifecycle.js';

// Leaver latency (issue 13): people holding a package whose role is a group of a real OpenLDAP (slapd,
// started here) are disabled one after another through PATCH /v1.0/users/{id} {accountEnabled: false}, at a
// steady pace (leavers arrive one by one, not in a burst); each one's time runs from sending the PATCH to
// the moment their entry is read gone from the LDAP group's members (polled every 20 ms). That covers the
// leaver job, the systemRemove request, the revocation job and the LDAP modify.

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

export async function leaverLatency(ctx: BenchContext, url: string, total: number, userOffset: number, paceMs = 100): Promise<LeaverRun> {
  const empty = { leavers: 0, removed: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const missing = slapdMissing();
  if (missing) return { ...empty, skipped: missing };
  const loadUsers = ctx.manifest.loadUsers.slice(userOffset, userOffset + total);
  if (loadUsers.length < total) throw new Error(`bench: ${total} leavers need ${total} load users from ${userOffset}; there are ${ctx.manifest.loadUsers.length}`);
  const rows = await ctx.store.db.selectFrom('users').select(['id', 'userPrincipalName', 'mail']).where('id', 'in', loadUsers.map((u) => u.id)).execute();
  const byId = new Map(rows.map((r, i) => [r.id, i]));
  const target = await ldapTarget(rows.map((r) => ({ id: r.id, mail: r.mail ?? r.userPrincipalName })));
  const settings = target.connection.settings as { url: string; bindDn: string };
  const reader = new Client({ url: settings.url, timeout: 5000 });
  try {
    await reader.bind(settings.bindDn, target.connection.secrets.bindPassword);
    const packageId = await offer(ctx, url, target);
    // everyone gets the package first (userAdd, no approval), and it reaches LDAP
    const ids: string[] = [];
    for (const u of loadUsers) {
      const r = await call(url, { method: 'POST', path: `${EM}/assignmentRequests`, token: u.token, body: { requestType: 'userAdd', assignment: { accessPackageId: packageId } } });
      if (r.status === 201) ids.push((JSON.parse(r.body) as { id: string }).id);
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
    for (const u of loadUsers) {
      sentAt.set(u.id, Date.now());
      const r = await call(url, { method: 'PATCH', path: `/v1.0/users/${u.id}`, token: ctx.manifest.adminToken, body: { accountEnabled: false } });
      if (r.status !== 204) log(`  ! disable ${u.id}: ${r.status} ${r.body}`);
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
