import { drive, type LoadOptions, type LoadResult } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log } from '../lib/log.js';
import type { ServeProc } from '../lib/proc.js';
import type { Manifest } from '../seed.js';

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

/** The i-th request of each read path, spread over the load users (the approvers, the administrator). */
export function readRequests(manifest: Manifest): Record<string, (i: number) => { path: string; token: string }> {
  const users = manifest.loadUsers;
  const approvers = manifest.approvers;
  const admin = manifest.adminToken;
  const filter = encodeURIComponent(`accessPackage/id eq '${manifest.bigPackageId}' and state eq 'delivered'`);
  return {
    allowedRequestor: (i) => ({ path: `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, token: users[(i * 7) % users.length].token }),
    myAssignments: (i) => ({ path: `${EM}/assignments/filterByCurrentUser(on='target')`, token: users[(i * 7) % users.length].token }),
    approverInbox: (i) => ({ path: `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, token: approvers[i % approvers.length].token }),
    adminPagedList: (i) => ({ path: `${EM}/assignments?$filter=${filter}&$top=100&$skip=${(i % 20) * 100}`, token: admin }),
  };
}

export async function measureReads(ctx: BenchContext, server: ServeProc): Promise<Record<string, LoadResult & { cpuMs: number }>> {
  const requests = readRequests(ctx.manifest);
  const out: Record<string, LoadResult & { cpuMs: number }> = {};
  for (const p of READ_PATHS) {
    const run = { connections: ctx.connections, next: requests[p.name] };
    out[p.name] = await cpuPerRequest(server, p.name, { ...run, durationMs: 1500 }, { ...run, durationMs: ctx.readMs });
  }
  return out;
}

/**
 * A warm-up, then the timed run; CPU per request of the timed run (logged with its rate and latencies): the
 * server's, or what `cpu` counts (seconds so far).
 */
export async function cpuPerRequest(server: ServeProc, name: string, warmUp: Omit<LoadOptions, 'url'>, run: Omit<LoadOptions, 'url'>,
  cpu: () => Promise<number> = async () => server.cpu()): Promise<LoadResult & { cpuMs: number }> {
  await drive({ url: server.url, ...warmUp });
  const cpu0 = await cpu();
  const r = await drive({ url: server.url, ...run });
  const cpuMs = (((await cpu()) - cpu0) * 1000) / r.requests;
  log(`  ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ${cpuMs.toFixed(2)} ms CPU/request, statuses ${JSON.stringify(r.statuses)}`);
  for (const e of r.errors) log(`  ! ${e}`);
  return { ...r, cpuMs };
}
