import { OPEN_REQUEST_STATES } from '../../domain/request-lifecycle.js';
import { initialSchedule } from '../../domain/schedule.js';
import type { Policy } from '../../domain/policy/types.js';
import { findActiveAssignment, findActiveIncompatiblePackage } from '../../store/assignments.js';
import type { Tx } from '../../store/db.js';
import { holdRow } from '../../store/locks.js';
import { findPackageWithCatalog } from '../../store/packages.js';
import { findOpenAddRequest } from '../../store/requests.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { insertRequest } from '../lifecycle/requests.js';
import { startOrSchedule } from '../lifecycle/start-assignment.js';

// Auto-assignment (joiner, and a mover into a rule): a person an auto-assignment policy's rule matches gets
// its package without asking, through the request door as a systemAdd request (nothing to approve), then
// delivered as any assignment is. Evaluate.ts decides who matches; this gives the access.

type Deps = Pick<LifecycleDeps, 'clock' | 'events'>;

/** Gives the policy's package to the person unless they have it, have asked for it, or hold an incompatible package. True when it did. */
export async function autoAssign(tx: Tx, deps: Deps, policy: Policy, userId: string): Promise<boolean> {
  // serialised on the package row like every add (submit-add.ts), so the duplicate check below holds
  await holdRow(tx, 'accessPackages', policy.accessPackageId);
  const pkg = await findPackageWithCatalog(tx, policy.accessPackageId);
  if (!pkg) return false;
  if (await findActiveAssignment(tx, pkg.id, userId)) return false;
  if (await findOpenAddRequest(tx, pkg.id, userId, null, OPEN_REQUEST_STATES)) return false;
  // separation of duties holds for rules too: the person keeps what they have, the rule gives nothing
  if (await findActiveIncompatiblePackage(tx, pkg.id, userId)) return false;
  const schedule = initialSchedule(policy, {}, deps.clock.now(), false);
  const request = await insertRequest(tx, deps, null, {
    accessPackageId: pkg.id, requestType: 'systemAdd', policyId: policy.id, targetId: userId,
    justification: `Assigned by the auto-assignment policy '${policy.displayName}': the person matches its rule.`,
    startAt: schedule.startAt, endAt: schedule.endAt,
  });
  await deps.events.publish(tx, null, { type: 'autoAssignmentRequested', request, policyName: policy.displayName, packageName: pkg.displayName });
  await startOrSchedule(tx, deps, request, policy);
  return true;
}
