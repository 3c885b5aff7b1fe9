import { verifyReceiverMessage, type SignatureHeaders } from '../../connectors/webhook/index.js';
import { backoffMs } from '../../domain/backoff.js';
import { isoNow } from '../../domain/clock.js';
import { NotFoundError, UnauthenticatedError, ValidationError } from '../../domain/errors.js';
import type { Tx } from '../../store/db.js';
import { findConnectionWithSecrets } from '../../store/connections.js';
import { findGrantOfConnection, markGrantsRevoked, updateGrant, type GrantPlace, type GrantRow } from '../../store/grants.js';
import { getAssignment } from '../../store/assignments.js';
import { lockRow } from '../../store/locks.js';
import type { SecretBox } from '../../store/secret-box.js';
import { connectionSecretsContext } from '../connections/targets.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { parseDeliveryKey } from './connected.js';
import { settleAssignment } from './fulfil.js';
import { JOB_REVOKE, revokePayload } from './jobs.js';

// A webhook receiver confirms a delivery it accepted for later (its 202): POST
// /latchkey/v1/connections/{id}/confirmations, signed with the connection's signing secret, body
// { deliveryId, status: 'done' | 'failed', error? }. The signature is the only authentication. A grant
// confirmed done is delivered, failed is failed with the receiver's error; a revoke confirmed done is
// revoked (and its removal completes), failed is tried again later: access must not outlive its
// assignment. Reconciliation's repair of a delivered grant (`<grant id>:repair:<run id>`) confirmed done
// leaves it delivered; failed, it stays delivered with the receiver's error as its last error, audited
// (the next run sends another repair). Replay-safe: only a delivery still awaiting its confirmation is acted on; repeating a
// confirmation (or confirming what was since revoked) answers the grant's state and changes nothing.

export interface Confirmation {
  deliveryId: string;
  status: 'done' | 'failed';
  error?: string;
}

export interface ConfirmationAnswer {
  deliveryId: string;
  /** whether this confirmation changed the grant (false: already confirmed, or no longer awaited) */
  acted: boolean;
  /** the grant's state afterwards: pending | delivered | failed | revoking | revoked */
  state: string;
}

/** The confirmation's body once its signature verifies with the connection's signing secret; 401 otherwise. */
export async function verifyConfirmation(deps: Pick<LifecycleDeps, 'db'> & { secretBox: SecretBox }, connectionId: string, rawBody: string, headers: SignatureHeaders): Promise<unknown> {
  const row = await findConnectionWithSecrets(deps.db, connectionId);
  // an unknown connection and one without a signing secret answer as a bad signature: a caller who
  // cannot sign learns nothing about which connections exist
  if (!row || row.kind !== 'webhook') throw new UnauthenticatedError('The confirmation is not signed with this connection\'s signing secret.');
  const { signingSecret } = deps.secretBox.openSecrets(row.secrets, connectionSecretsContext(row.id)) as { signingSecret?: string };
  const body = signingSecret ? verifyReceiverMessage(signingSecret, rawBody, headers) : undefined;
  if (body === undefined) throw new UnauthenticatedError('The confirmation is not signed with this connection\'s signing secret (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature).');
  return body;
}

export async function confirmDelivery(deps: Pick<LifecycleDeps, 'clock' | 'events'>, connectionId: string, c: Confirmation): Promise<ConfirmationAnswer> {
  const key = parseDeliveryKey(c.deliveryId);
  if (!key) throw new ValidationError(`deliveryId: '${c.deliveryId}' is not a delivery id Latchkey sent (the data.deliveryId of the message).`, 'deliveryId');
  return deps.events.transaction(async (tx) => {
    const first = await findGrantOfConnection(tx, key.grantId);
    if (!first || first.connectionId !== connectionId) throw new NotFoundError('Delivery', c.deliveryId);
    if (!(await lockRow(tx, 'assignments', first.assignmentId))) throw new NotFoundError('Delivery', c.deliveryId);
    const grant = (await findGrantOfConnection(tx, key.grantId))!;
    const awaitedState = { grant: 'pending', revoke: 'revoking', repair: 'delivered' }[key.kind];
    const awaited = grant.deliveryId === c.deliveryId && grant.confirmationDueAt !== null && grant.state === awaitedState;
    if (!awaited) return { deliveryId: c.deliveryId, acted: false, state: grant.state };
    const error = c.status === 'failed' ? `The receiver reported that the ${key.kind} failed: ${c.error?.trim() || 'no reason given'}` : null;
    let state: string;
    if (key.kind === 'repair') state = await confirmRepair(tx, deps, { ...grant, connectionId }, key.reconciliationId!, error);
    else if (key.kind === 'grant') state = await confirmGrant(tx, deps, grant, error);
    else state = await confirmRevoke(tx, deps, grant, error);
    return { deliveryId: c.deliveryId, acted: true, state };
  });
}

async function confirmGrant(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, grant: GrantRow, error: string | null): Promise<string> {
  const at = isoNow(deps.clock);
  const state = error === null ? 'delivered' : 'failed';
  await updateGrant(tx, grant.id, { state, lastError: error, confirmationDueAt: null, nextAttemptAt: null, deliveredAt: error === null ? at : null, modifiedAt: at });
  await settleAssignment(tx, deps, await getAssignment(tx, grant.assignmentId));
  return state;
}

/**
 * Reconciliation's repair of a delivered grant confirmed: the grant stays delivered either way (what
 * should be has not changed); failed, it keeps the receiver's reason as its last error, and the next run
 * finds the access still missing and sends another repair. Audited both ways.
 */
async function confirmRepair(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, grant: GrantRow & GrantPlace & { connectionId: string }, reconciliationId: string, error: string | null): Promise<string> {
  const at = isoNow(deps.clock);
  await updateGrant(tx, grant.id, { confirmationDueAt: null, lastError: error, modifiedAt: at });
  await deps.events.publish(tx, null, {
    type: 'driftRepairConfirmed', grantId: grant.id, userId: grant.targetId, deliveryId: grant.deliveryId!, outcome: error === null ? 'done' : 'failed', error,
    reconciliationId, connectionId: grant.connectionId, resourceId: grant.resourceId, resourceName: grant.resourceName, resourceRoleId: grant.resourceRoleId,
    roleName: grant.roleName, accountId: grant.accountId ?? grant.targetId, display: grant.accountDisplay ?? grant.accountId ?? grant.targetId,
  }, { at });
  return grant.state;
}

/** A revoke confirmed: revoked, and the revocation job finishes the removal; failed: the revoke goes out again after a backoff. */
export async function confirmRevoke(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, grant: Pick<GrantRow, 'id' | 'assignmentId' | 'attempts'>, error: string | null): Promise<string> {
  const at = isoNow(deps.clock);
  if (error === null) {
    await updateGrant(tx, grant.id, { confirmationDueAt: null, modifiedAt: at });
    await markGrantsRevoked(tx, [grant.id], at);
    await deps.events.enqueue(tx, JOB_REVOKE, revokePayload([grant.assignmentId]));
    return 'revoked';
  }
  await updateGrant(tx, grant.id, { confirmationDueAt: null, lastError: error, attempts: grant.attempts + 1, modifiedAt: at });
  const runAt = new Date(deps.clock.now().getTime() + backoffMs(grant.attempts + 1)).toISOString();
  await deps.events.enqueue(tx, JOB_REVOKE, revokePayload([grant.assignmentId]), { runAt, dedupeKey: `revoke:${grant.assignmentId}:${runAt}` });
  return 'revoking';
}
