import { sql } from 'kysely';
import { call, drive, type LoadResult } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log, percentile } from '../lib/log.js';
import { spreadPair, waitForRequests } from './lifecycle.js';

// One-stage approval: requests wait in their approvers' inboxes (set up before the timed part), then the
// approvers decide them in parallel. Approve→delivered is timed from the decision row to the request's
// completion, both written by the server.

export interface PendingSet {
  requestIds: string[];
}

/** Submits `total` requests on approval packages (not timed). Users come from their own slice of the load users. */
export async function submitPending(ctx: BenchContext, url: string, total: number, userOffset: number, users = ctx.manifest.loadUsers): Promise<PendingSet> {
  const ids: string[] = [];
  const r = await drive({
    url, connections: ctx.connections, total,
    next: (i) => {
      const p = spreadPair(users, userOffset, ctx.manifest.approvalPackages, i);
      return { method: 'POST', path: `${EM}/assignmentRequests`, token: p.token, body: { requestType: 'userAdd', assignment: { accessPackageId: p.pkg.id } } };
    },
    onResponse: (_i, status, body) => {
      if (status === 201) ids.push((JSON.parse(body) as { id: string }).id);
    },
  });
  log(`  ${ids.length} requests waiting for approval (${r.rps.toFixed(0)} submits/s), statuses ${JSON.stringify(r.statuses)}`);
  for (const e of r.errors) log(`  ! ${e}`);
  return { requestIds: ids };
}

export interface ApprovalRun {
  http: LoadResult;
  decided: number;
  delivered: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function decideAll(ctx: BenchContext, url: string, pending: PendingSet): Promise<ApprovalRun> {
  // every approver reads their inbox once (not timed), then the decisions are interleaved across approvers
  const perApprover: { token: string; requestId: string; stageId: string }[][] = [];
  for (const a of ctx.manifest.approvers) {
    const r = await call(url, { path: `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, token: a.token });
    if (r.status !== 200) throw new Error(`approver inbox: ${r.status} ${r.body.slice(0, 300)}`);
    const value = (JSON.parse(r.body) as { value: { id: string; stages: { id: string; status: string }[] }[] }).value;
    perApprover.push(value.map((v) => ({ token: a.token, requestId: v.id, stageId: v.stages.find((s) => s.status === 'InProgress')!.id })));
  }
  // only the requests set up for this run (an inbox may hold others from an earlier, interrupted run)
  const mine = new Set(pending.requestIds);
  const lists = perApprover.map((l) => l.filter((t) => mine.has(t.requestId)));
  const tasks: { token: string; requestId: string; stageId: string }[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) if (i < list.length) tasks.push(list[i]);
  }
  log(`  ${tasks.length} decisions to make by ${perApprover.length} approvers`);
  const http = await drive({
    url, connections: ctx.connections, total: tasks.length,
    next: (i) => ({
      method: 'PATCH', path: `${EM}/accessPackageAssignmentApprovals/${tasks[i].requestId}/stages/${tasks[i].stageId}`, token: tasks[i].token,
      body: { reviewResult: 'Approve', justification: 'bench' },
    }),
  });
  log(`  decided ${http.requests} in ${http.seconds.toFixed(1)} s (${http.rps.toFixed(0)}/s, p99 ${http.p99.toFixed(0)} ms), statuses ${JSON.stringify(http.statuses)}`);
  for (const e of http.errors) log(`  ! ${e}`);
  const ids = tasks.map((t) => t.requestId);
  await waitForRequests(ctx, ids, 300_000);
  const lat: number[] = [];
  let delivered = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const r = await sql<{ decided: string; completed: string | null; state: string }>`
      select d.decided_at as decided, r.completed_at as completed, r.state as state
      from assignment_requests r join approval_decisions d on d.request_id = r.id
      where r.id in (${sql.join(ids.slice(i, i + 5000))})`.execute(ctx.store.db);
    for (const row of r.rows) {
      if (row.state !== 'delivered' || !row.completed) continue;
      delivered++;
      lat.push(new Date(row.completed).getTime() - new Date(row.decided).getTime());
    }
  }
  return { http, decided: Object.entries(http.statuses).filter(([k]) => k.startsWith('2')).reduce((n, [, v]) => n + v, 0), delivered, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) };
}
