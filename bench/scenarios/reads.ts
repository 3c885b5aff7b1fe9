import { drive, type LoadResult } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log } from '../lib/log.js';
import type { ServeProc } from '../lib/proc.js';

// The read paths people feel: what I may request, what I have, what waits for my approval, and an
// administrator's filtered, paged list of a package's assignments. Each runs for ctx.readMs after a short
// warm-up, spread over many callers.

export interface ReadPath {
  name: string;
  label: string;
}

export const READ_PATHS: ReadPath[] = [
  { name: 'allowedRequestor', label: "accessPackages/filterByCurrentUser(on='allowedRequestor')" },
  { name: 'myAssignments', label: "assignments/filterByCurrentUser(on='target')" },
  { name: 'approverInbox', label: "approvals/filterByCurrentUser(on='approver')" },
  { name: 'adminPagedList', label: 'assignments?$filter=accessPackage/id eq … and state eq …&$top=100&$skip=0…1900' },
];

/** The requests of each read path, the i-th of a run (the floor is driven with the same ones). */
export function readRequests(ctx: BenchContext): Record<string, (i: number) => { path: string; token: string }> {
  const users = ctx.manifest.loadUsers;
  const approvers = ctx.manifest.approvers;
  const admin = ctx.manifest.adminToken;
  const big = ctx.manifest.bigPackageId;
  const filter = encodeURIComponent(`accessPackage/id eq '${big}' and state eq 'delivered'`);
  return {
    allowedRequestor: (i) => ({ path: `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, token: users[(i * 7) % users.length].token }),
    myAssignments: (i) => ({ path: `${EM}/assignments/filterByCurrentUser(on='target')`, token: users[(i * 7) % users.length].token }),
    approverInbox: (i) => ({ path: `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, token: approvers[i % approvers.length].token }),
    adminPagedList: (i) => ({ path: `${EM}/assignments?$filter=${filter}&$top=100&$skip=${(i % 20) * 100}`, token: admin }),
  };
}

/** Each read path for ctx.readMs against `server` (Latchkey's serve or the floor), with its CPU per request. */
export async function measureReads(ctx: BenchContext, server: Pick<ServeProc, 'url' | 'cpu'>): Promise<Record<string, LoadResult & { cpuMs: number }>> {
  const url = server.url;
  const requests = readRequests(ctx);
  const out: Record<string, LoadResult & { cpuMs: number }> = {};
  for (const p of READ_PATHS) {
    await drive({ url, connections: ctx.connections, durationMs: 1500, next: requests[p.name] });
    const cpu0 = server.cpu();
    const r = await drive({ url, connections: ctx.connections, durationMs: ctx.readMs, next: requests[p.name] });
    const cpuMs = ((server.cpu() - cpu0) * 1000) / r.requests;
    log(`  ${p.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ${cpuMs.toFixed(2)} ms CPU/request, statuses ${JSON.stringify(r.statuses)}`);
    for (const e of r.errors) log(`  ! ${e}`);
    out[p.name] = { ...r, cpuMs };
  }
  return out;
}
