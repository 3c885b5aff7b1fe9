import type { TargetRole } from '../../connectors/kit.js';
import { addDuration, parseDuration } from '../../domain/duration.js';
import { parseJsonOr } from '../../domain/json.js';
import type { GrantWork } from '../../store/grants.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { accountFor, accountToRevoke, type KnownAccounts } from './accounts.js';

// Delivery into a connected system (a resource with a connection: LDAP, SCIM, PostgreSQL, webhook):
// through the connection's one client (connectionTargets, which applies its timeout and concurrency
// and records its health), to the user's linked account, with a delivery key that is the same across
// the retries of one grant or revoke and different for the next one (a webhook's webhook-id).

/** How long a receiver has to confirm what it accepted for later, unless the connection says otherwise. */
export const DEFAULT_CONFIRMATION_WINDOW = 'P7D';

export const deliveryKey = (grantId: string, kind: 'grant' | 'revoke') => `${grantId}:${kind}`;

/** The grant a delivery key names, and whether it was its grant or its revoke; undefined for another shape. */
export function parseDeliveryKey(key: string): { grantId: string; kind: 'grant' | 'revoke' } | undefined {
  const m = /^([0-9a-f-]{36}):(grant|revoke)$/i.exec(key);
  return m ? { grantId: m[1].toLowerCase(), kind: m[2] as 'grant' | 'revoke' } : undefined;
}

export interface ConnectedOutcome {
  /** accepted for later (a webhook's 202): wait for the receiver's confirmation until this time */
  confirmationDueAt: string | null;
}

/** `accounts`: what a batch of deliveries read beforehand (links, subjects); without it each is read here. */
export async function deliverToConnection(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'connectionTargets'>, grant: GrantWork & { connectionId: string }, kind: 'grant' | 'revoke', accounts?: KnownAccounts): Promise<ConnectedOutcome> {
  const role: TargetRole = { resourceId: grant.resourceOriginId, roleId: grant.roleOriginId };
  return deps.connectionTargets.call(grant.connectionId, async ({ connection, target }) => {
    const delivery = { idempotencyKey: deliveryKey(grant.id, kind) };
    let outcome;
    if (kind === 'grant') {
      outcome = await target.grant(await accountFor(deps, connection.id, target, grant.targetId, accounts), role, delivery);
    } else {
      const account = await accountToRevoke(deps, connection.id, target, grant.targetId);
      if (!account) return { confirmationDueAt: null };
      outcome = await target.revoke(account, role, delivery);
    }
    if (!outcome.pending) return { confirmationDueAt: null };
    const window = parseJsonOr<{ confirmationWindow?: unknown }>(connection.settings, {}).confirmationWindow;
    const d = parseDuration(typeof window === 'string' ? window : DEFAULT_CONFIRMATION_WINDOW, 'settings.confirmationWindow');
    return { confirmationDueAt: addDuration(deps.clock.now(), d).toISOString() };
  });
}
