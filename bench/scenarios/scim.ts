import pino from 'pino';
import { systemClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { createServices } from '../../src/services/index.js';
import { drive, type LoadResult } from '../lib/load.js';
import type { BenchContext } from '../lib/context.js';
import { log } from '../lib/log.js';
import type { ServeProc } from '../lib/proc.js';

// SCIM provisioning as an identity provider drives it: a burst of POST /Users (Entra's create body with
// the enterprise extension), then PATCHes of those users (Entra's multi-operation replace of title,
// department and work email, alternating values so every PATCH changes something and publishes
// userUpdated). Both over `connections` keep-alive sockets against the real server, CPU per operation from /proc.

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimResult {
  creates: LoadResult & { cpuMs: number };
  patches: LoadResult & { cpuMs: number };
}

export async function scimProvisioning(ctx: BenchContext, server: ServeProc, count: number): Promise<ScimResult> {
  // the token is made in the database the server reads, as `latchkey token create --scim` would
  const services = createServices({ db: ctx.store.db, clock: systemClock, log: pino({ level: 'silent' }) });
  const run = newId().slice(0, 8);
  const { token } = await services.tokens.createProvisioning(`Bench IdP ${run}`);
  const ids: string[] = new Array(count);
  const headers = { 'content-type': 'application/scim+json' };

  const createReq = (i: number) => ({
    method: 'POST' as const, path: '/scim/v2/Users', token, headers,
    body: {
      schemas: [CORE, ENTERPRISE], externalId: `${run}-${i}`, userName: `scim.${run}.${i}@bench.test`, active: true,
      name: { givenName: `Given${i}`, familyName: `Family${i}` }, displayName: `Given${i} Family${i}`, title: 'Engineer',
      emails: [{ primary: true, type: 'work', value: `scim.${run}.${i}@bench.test` }],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: String(i) },
    },
  });
  let cpu0 = server.cpu();
  const creates = await drive({
    url: server.url, connections: ctx.connections, total: count, next: createReq,
    onResponse: (i, status, body) => { if (status === 201) ids[i] = (JSON.parse(body) as { id: string }).id; },
  });
  const createCpu = ((server.cpu() - cpu0) * 1000) / Math.max(1, creates.requests);
  log(`  POST /Users: ${creates.rps.toFixed(0)}/s, p50 ${creates.p50.toFixed(1)} ms, p95 ${creates.p95.toFixed(1)} ms, ${createCpu.toFixed(2)} ms CPU each, statuses ${JSON.stringify(creates.statuses)}`);
  for (const e of creates.errors) log(`  ! ${e}`);

  const made = ids.filter(Boolean);
  const patchReq = (i: number) => {
    const round = Math.floor(i / made.length);
    return {
      method: 'PATCH' as const, path: `/scim/v2/Users/${made[i % made.length]}`, token, headers,
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'title', value: `Engineer ${round}` },
          { op: 'Replace', path: `${ENTERPRISE}:department`, value: round % 2 === 0 ? 'Marketing' : 'Sales' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `scim.${run}.${i % made.length}.r${round}@bench.test` },
        ],
      },
    };
  };
  cpu0 = server.cpu();
  const patches = await drive({ url: server.url, connections: ctx.connections, total: made.length > 0 ? count : 0, next: patchReq });
  const patchCpu = ((server.cpu() - cpu0) * 1000) / Math.max(1, patches.requests);
  log(`  PATCH /Users/{id}: ${patches.rps.toFixed(0)}/s, p50 ${patches.p50.toFixed(1)} ms, p95 ${patches.p95.toFixed(1)} ms, ${patchCpu.toFixed(2)} ms CPU each, statuses ${JSON.stringify(patches.statuses)}`);
  for (const e of patches.errors) log(`  ! ${e}`);
  return { creates: { ...creates, cpuMs: createCpu }, patches: { ...patches, cpuMs: patchCpu } };
}
