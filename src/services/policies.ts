import { externalScopeProblem, isExternalTargetScope } from '../domain/catalog.js';
import { isoNow } from '../domain/clock.js';
import { isAdministrator } from '../domain/authorization.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { policyToGraph } from '../domain/policy/graph.js';
import type { Policy, PolicyReferences } from '../domain/policy/types.js';
import { POLICY_PROPERTIES, validatePolicySettings } from '../domain/policy/validate.js';
import { diffProperties } from '../store/audit.js';
import { policyFromRow } from '../store/policy-rows.js';
import { findExistingIds } from '../store/directory-objects.js';
import { findCatalogById } from '../store/catalogs.js';
import { findAccessPackageById } from '../store/packages.js';
import { deletePolicy, findPolicyRow, insertPolicy, listPolicyRowsOfPackage, policyHasLiveAssignment, policyHasRequestIn, updatePolicy } from '../store/policies.js';
import type { Db, Tx } from '../store/db.js';
import { holdRow } from '../store/locks.js';
import { listAutoAssignmentPolicyIdsOfPackage } from '../store/identity-lifecycle.js';
import { deletePolicyAudience, writePolicyAudience } from '../store/policy-audience.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

// Assignment policies: validated Graph bodies stored as JSON settings, with every referenced user,
// group and connected organization checked inside the writing transaction.

/** Request states that are still in flight: a policy they use cannot be deleted under them. */
export const OPEN_REQUEST_STATES = ['submitted', 'pendingApproval', 'delivering', 'scheduled'] as const;

export async function findPolicy(db: Db | Tx, id: string): Promise<Policy> {
  const row = isGuid(id) ? await findPolicyRow(db, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Assignment policy', id);
  return policyFromRow(row);
}

async function checkReferences(tx: Tx, refs: PolicyReferences): Promise<void> {
  const missing = async (table: 'users' | 'groups' | 'connectedOrganizations', list: { id: string; field: string }[], what: string) => {
    if (list.length === 0) return;
    const ids = [...new Set(list.map((r) => r.id))];
    const found = await findExistingIds(tx, table, ids);
    const gone = list.find((r) => !found.has(r.id));
    if (gone) throw new ValidationError(`${what} '${gone.id}' named in '${gone.field}' does not exist.`, gone.field);
  };
  await missing('users', refs.users, 'User');
  await missing('groups', refs.groups, 'Group');
  await missing('connectedOrganizations', refs.connectedOrganizations, 'Connected organization');
}

/**
 * A catalog closed to external users takes no policy for them. The catalog row is locked first, so a
 * switch of the catalog to closed (catalogs.update, which checks the policies) cannot pass in between.
 */
async function refuseExternalScope(tx: Tx, accessPackageId: string, scope: string): Promise<void> {
  if (!isExternalTargetScope(scope)) return;
  const pkg = await findAccessPackageById(tx, accessPackageId);
  if (!pkg) throw new NotFoundError('Access package', accessPackageId);
  await holdRow(tx, 'catalogs', pkg.catalogId);
  const catalog = await findCatalogById(tx, pkg.catalogId);
  if (!catalog) throw new NotFoundError('Catalog', pkg.catalogId);
  const problem = externalScopeProblem(scope, catalog);
  if (problem) throw new ValidationError(problem, 'allowedTargetScope');
}

/**
 * An auto-assignment policy gives access to whoever its rule matches across the whole directory, so, as in
 * the reference (Global and Identity Governance Administrators only), only administrators create or change one.
 */
function requireAdministratorForAuto(caller: Caller, ...policies: Pick<Policy, 'automaticRequestSettings'>[]): void {
  if (policies.some((p) => p.automaticRequestSettings?.requestAccessForAllowedTargets) && !isAdministrator(caller.principal)) {
    throw new ForbiddenError('Only administrators may create or change auto-assignment policies.');
  }
}

/** One auto-assignment policy per package, as the reference says (more than one "causes processing issues"). */
async function refuseSecondAutoPolicy(tx: Tx, accessPackageId: string, policyId: string, settings: Pick<Policy, 'automaticRequestSettings'>): Promise<void> {
  if (!settings.automaticRequestSettings?.requestAccessForAllowedTargets) return;
  await holdRow(tx, 'accessPackages', accessPackageId);
  const others = (await listAutoAssignmentPolicyIdsOfPackage(tx, accessPackageId)).filter((id) => id !== policyId);
  if (others.length > 0) throw new ValidationError(`The access package already has an auto-assignment policy (${others[0]}); a package has at most one.`, 'automaticRequestSettings.requestAccessForAllowedTargets');
}

function auditView(p: Policy): Record<string, unknown> {
  const g = policyToGraph(p);
  return Object.fromEntries(POLICY_PROPERTIES.map((k) => [k, g[k]]));
}

export function createPolicyService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  /** Validates, checks references, writes and audits a new version of a policy in one transaction. */
  async function write(caller: Caller, id: string, body: Record<string, unknown>, checkExpirationDate: boolean, check?: (current: Policy) => void): Promise<Policy> {
    const at = isoNow(clock);
    // validate before opening the transaction: a bad body touches nothing
    const { settings, refs } = validatePolicySettings(body, clock.now(), checkExpirationDate);
    return events.transaction(async (tx) => {
      const current = await findPolicy(tx, id);
      check?.(current);
      requireAdministratorForAuto(caller, current, settings);
      await refuseExternalScope(tx, current.accessPackageId, settings.allowedTargetScope);
      await refuseSecondAutoPolicy(tx, current.accessPackageId, current.id, settings);
      await checkReferences(tx, refs);
      const next: Policy = { ...current, ...settings, modifiedAt: at };
      const changes = diffProperties(auditView(current), auditView(next), POLICY_PROPERTIES);
      if (changes.length === 0) return current;
      await updatePolicy(tx, next);
      await writePolicyAudience(tx, next);
      await events.publish(tx, caller, { type: 'policyUpdated', policyId: current.id, name: next.displayName, changes }, { at });
      return next;
    });
  }

  /** The package named by a body: `accessPackage.id`, or the beta `accessPackageId`. */
  function packageIdOf(body: Record<string, unknown>): string | undefined {
    const ref = body.accessPackage;
    const a = typeof ref === 'object' && ref !== null ? (ref as { id?: unknown }).id : undefined;
    const b = body.accessPackageId;
    if (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() !== b.toLowerCase()) {
      throw new ValidationError("'accessPackage.id' and 'accessPackageId' name different access packages.", 'accessPackage.id');
    }
    const id = typeof a === 'string' ? a : typeof b === 'string' ? b : undefined;
    return id?.toLowerCase();
  }

  return {
    get: (id: string) => findPolicy(db, id),

    async listForPackage(accessPackageId: string): Promise<Policy[]> {
      const rows = await listPolicyRowsOfPackage(db, accessPackageId.toLowerCase());
      return rows.map(policyFromRow);
    },

    packageIdOf,

    async create(caller: Caller, body: Record<string, unknown>): Promise<Policy> {
      const at = isoNow(clock);
      const accessPackageId = packageIdOf(body);
      if (!accessPackageId) throw new ValidationError("'accessPackage' is required: { \"accessPackage\": { \"id\": \"…\" } } names the package the policy belongs to.", 'accessPackage.id');
      const { settings, refs } = validatePolicySettings(body, clock.now());
      requireAdministratorForAuto(caller, settings);
      return events.transaction(async (tx) => {
        const pkg = isGuid(accessPackageId) ? await findAccessPackageById(tx, accessPackageId) : undefined;
        if (!pkg) throw new NotFoundError('Access package', accessPackageId);
        await refuseExternalScope(tx, pkg.id, settings.allowedTargetScope);
        const id = newId();
        await refuseSecondAutoPolicy(tx, pkg.id, id, settings);
        await checkReferences(tx, refs);
        const policy: Policy = { id, accessPackageId: pkg.id, ...settings, createdAt: at, modifiedAt: at };
        await insertPolicy(tx, policy);
        await writePolicyAudience(tx, policy);
        await events.publish(tx, caller, { type: 'policyCreated', policyId: policy.id, name: policy.displayName, changes: diffProperties(null, auditView(policy), POLICY_PROPERTIES) }, { at });
        return policy;
      });
    },

    /** PUT: the body is the whole new policy; properties left out return to their defaults. */
    async replace(caller: Caller, id: string, body: Record<string, unknown>, check?: (current: Policy) => void): Promise<Policy> {
      const named = packageIdOf(body);
      return write(caller, id, body, body.expiration !== undefined, (current) => {
        if (named && named !== current.accessPackageId) throw new ValidationError('A policy cannot be moved to another access package.', 'accessPackage.id');
        check?.(current);
      });
    },

    /** PATCH: the properties sent replace the current ones (complex properties as a whole, as Graph does). */
    async update(caller: Caller, id: string, patch: Record<string, unknown>, check?: (current: Policy) => void): Promise<Policy> {
      const current = await findPolicy(db, id);
      const named = packageIdOf(patch);
      if (named && named !== current.accessPackageId) throw new ValidationError('A policy cannot be moved to another access package.', 'accessPackage.id');
      const merged: Record<string, unknown> = { ...policyToGraph(current) };
      for (const k of ['id', 'createdDateTime', 'modifiedDateTime']) delete merged[k];
      for (const [k, v] of Object.entries(patch)) {
        if (k === 'accessPackage' || k === 'accessPackageId' || k === 'catalog' || k.startsWith('@odata.')) continue;
        merged[k] = v;
      }
      return write(caller, id, merged, patch.expiration !== undefined, (fresh) => {
        // the merge was made from `current`: a change in between would be overwritten silently
        if (JSON.stringify(policyToGraph(fresh)) !== JSON.stringify(policyToGraph(current))) throw new ConflictError('The policy changed while it was being updated; retry.');
        check?.(fresh);
      });
    },

    async delete(caller: Caller, id: string, check?: (current: Policy) => void): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const current = await findPolicy(tx, id);
        check?.(current);
        if (await policyHasLiveAssignment(tx, current.id)) {
          throw new ConflictError(`Policy '${current.displayName}' still has assignments that have not expired; remove them before deleting the policy.`, 'PolicyHasActiveAssignments');
        }
        if (await policyHasRequestIn(tx, current.id, OPEN_REQUEST_STATES)) {
          throw new ConflictError(`Policy '${current.displayName}' has open requests; wait for them to complete or cancel them before deleting the policy.`, 'PolicyHasOpenRequests');
        }
        await deletePolicy(tx, current.id);
        await deletePolicyAudience(tx, { policyId: current.id });
        await events.publish(tx, caller, { type: 'policyDeleted', policyId: current.id, name: current.displayName }, { at });
      });
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
