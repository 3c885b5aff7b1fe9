import type { Delivery, TargetRole } from '../../connectors/kit.js';
import { addDuration, parseDuration } from '../../domain/duration.js';
import { parseJsonOr } from '../../domain/json.js';
import type { GrantWork } from '../../store/grants.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { accountFor, accountToRevoke, type KnownAccounts } from './accounts.js';

// Delivery into a connected system (a resource with a connection: LDAP, SCIM, PostgreSQL, webhook):
// through the connection's one client (connectionTargets, which applies its timeout and concurrency
// and records its health), to the user's linked account, with a delivery key that is the same across
// the retries of one grant or revoke and different for the next one (a webhook's webhook-id): a grant
// applied again (reprocess) gets a new key when that is scheduled (regrantSuffix), and reconciliation's
// repairs have keys of their own (repairKey).

/** How long a receiver has to confirm what it accepted for later, unless the connection says otherwise. */
export const DEFAULT_CONFIRMATION_WINDOW = 'P7D';

export const deliveryKey = (grantId: string, kind: 'grant' | 'revoke') => `${grantId}:${kind}`;

/**
 * The delivery id suffix of a grant applied again (reprocess): `<grant id>:grant:<generation>`. Chosen when
 * the re-application is scheduled and stored in grants.delivery_id, so its retries share one webhook-id
 * while it differs from the earlier delivery's, which a receiver that drops repeated ids would drop.
 */
export const regrantSuffix = (generation: string) => `:grant:${generation}`;

/** The delivery key of reconciliation's repair of a delivered grant in one run. */
export const repairKey = (grantId: string, reconciliationId: string) => `${grantId}:repair:${reconciliationId}`;

export type DeliveryKeyKind = 'grant' | 'revoke' | 'repair';

/**
 * The grant a delivery key names and what the delivery was: its grant (`<grant id>:grant`, or
 * `<grant id>:grant:<generation>` when applied again), its revoke (`<grant id>:revoke`), or a
 * reconciliation run's repair (`<grant id>:repair:<run id>`); undefined for another shape.
 */
export function parseDeliveryKey(key: string): { grantId: string; kind: DeliveryKeyKind; reconciliationId?: string } | undefined {
  const m = /^([0-9a-f-]{36}):(grant|revoke|repair)(?::([0-9a-f-]{36}))?$/i.exec(key);
  if (!m) return undefined;
  const kind = m[2].toLowerCase() as DeliveryKeyKind;
  if (kind === 'revoke' && m[3] !== undefined) return undefined;
  if (kind === 'repair') return m[3] === undefined ? undefined : { grantId: m[1].toLowerCase(), kind, reconciliationId: m[3].toLowerCase() };
  return { grantId: m[1].toLowerCase(), kind };
}

/** The key of a grant's (next) delivery: the one chosen when it was scheduled (delivery_id), else `<grant id>:grant`. */
export function grantDeliveryKey(grant: { id: string; deliveryId: string | null }): string {
  const stored = grant.deliveryId === null ? undefined : parseDeliveryKey(grant.deliveryId);
  return stored?.kind === 'grant' && stored.grantId === grant.id.toLowerCase() ? grant.deliveryId! : deliveryKey(grant.id, 'grant');
}

/** When a delivery the target accepted for later must be confirmed by: now plus the connection's confirmationWindow. */
export function confirmationDueFrom(connectionSettings: string, now: Date): string {
  const window = parseJsonOr<{ confirmationWindow?: unknown }>(connectionSettings, {}).confirmationWindow;
  const d = parseDuration(typeof window === 'string' ? window : DEFAULT_CONFIRMATION_WINDOW, 'settings.confirmationWindow');
  return addDuration(now, d).toISOString();
}

export interface ConnectedOutcome {
  /** accepted for later (a webhook's 202): wait for the receiver's confirmation until this time */
  confirmationDueAt: string | null;
}

/** `accounts`: what a batch of deliveries read beforehand (links, subjects); without it each is read here. */
export async function deliverToConnection(
  deps: Pick<LifecycleDeps, 'db' | 'clock' | 'connectionTargets'>, grant: GrantWork & { connectionId: string }, kind: 'grant' | 'revoke', accounts?: KnownAccounts,
  revoking: { revokeImplied?: boolean } = {},
): Promise<ConnectedOutcome> {
  const role: TargetRole = { resourceId: grant.resourceOriginId, roleId: grant.roleOriginId };
  return deps.connectionTargets.call(grant.connectionId, async ({ connection, target }) => {
    const delivery: Delivery = kind === 'grant' ? { idempotencyKey: grantDeliveryKey(grant) } : { idempotencyKey: deliveryKey(grant.id, 'revoke'), ...revoking };
    let outcome;
    if (kind === 'grant') {
      outcome = await target.grant(await accountFor(deps, connection.id, target, grant.targetId, accounts), role, delivery);
    } else {
      const account = await accountToRevoke(deps, connection.id, target, grant.targetId);
      if (!account) return { confirmationDueAt: null };
      outcome = await target.revoke(account, role, delivery);
    }
    return { confirmationDueAt: outcome.pending ? confirmationDueFrom(connection.settings, deps.clock.now()) : null };
  });
}
