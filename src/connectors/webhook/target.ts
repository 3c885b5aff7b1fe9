import { createHash } from 'node:crypto';
import type { AccountRef, Delivery, Target, TargetLimits, TargetOutcome, TargetRole } from '../kit.js';
import { withLimits } from '../limits.js';
import { ConnectorError, type ConnectorRole, type ResourceDescriptor } from '../types.js';
import { createSender, receiverName, type ReceiverAnswer } from './http.js';
import type { WebhookSecrets, WebhookSettings } from './settings.js';

// A webhook receiver as a target. It has no API to read, so its resources and roles are what the
// connection declares, and a person's account is the person: the AccountRef id is the Latchkey user
// id, shown as the user principal name, and findAccount always finds it.
//
// Each grant and revoke is one signed POST (http.ts) of a Standard Webhooks payload:
//   { "type": "access.granted" | "access.revoked", "timestamp": "…",
//     "data": { "idempotencyKey": "msg_…", "deliveryId": "<the caller's Delivery key>", "resource": { "id", "displayName" },
//               "role": { "id", "displayName" }, "account": { "id", "display" } } }
// The webhook-id (= data.idempotencyKey) is derived from the event, the resource, the role, the
// account and the caller's Delivery key, so every retry of one delivery carries the same id and the
// receiver can drop duplicates. Without a Delivery key a grant after a revoke of the same role repeats
// an earlier id, which a receiver that remembers ids forever would drop: callers pass one.
//
// A 2xx answer means done (changed: true), unless its body is {"alreadyDone": true}: the receiver
// found the access already there (or already gone), changed: false. A 202 means accepted for later
// (pending: true): the receiver confirms through Latchkey's callback when a person has done the work.
//
// Who holds a role cannot be known from a webhook: listHolders asks the optional holdersUrl (a signed
// GET ?resource=…&role=… answering {"holders":[{"id","display"}]}) and otherwise fails, not retryably,
// saying this webhook is not reconciled.

export function createWebhookTarget(settings: WebhookSettings, secrets: WebhookSecrets, limits: TargetLimits): Target {
  const timeoutMs = settings.timeoutMs ?? limits.timeoutMs;
  const sender = createSender(secrets.signingSecret, timeoutMs);
  const where = receiverName(settings.url);
  const roles: ConnectorRole[] = settings.roles.map((r) => ({ originId: r.id, displayName: r.displayName, description: r.description ?? null }));
  const resourceOf = (id: string) => settings.resources.find((r) => r.id === id);
  const roleOf = (id: string) => settings.roles.find((r) => r.id === id);
  const describe = (r: WebhookSettings['resources'][number]): ResourceDescriptor => ({
    originId: r.id,
    displayName: r.displayName,
    description: r.description ?? null,
    resourceType: 'Webhook resource',
    addable: true,
  });

  async function deliver(type: 'access.granted' | 'access.revoked', account: AccountRef, role: TargetRole, delivery?: Delivery): Promise<TargetOutcome> {
    const resource = resourceOf(role.resourceId);
    const declaredRole = roleOf(role.roleId);
    const verb = type === 'access.granted' ? 'grant' : 'revoke';
    const doing = `the ${verb} of ${declaredRole?.displayName ?? role.roleId} of '${resource?.displayName ?? role.resourceId}' ${verb === 'grant' ? 'to' : 'from'} ${account.display}`;
    // a revoke still goes out for what the settings no longer declare: access must not outlive its grant
    if (type === 'access.granted' && (!resource || !declaredRole)) {
      const missing = !resource ? `resource '${role.resourceId}'` : `role '${role.roleId}'`;
      throw new ConnectorError(`Refused ${doing}: this webhook connection declares no ${missing}.`, false);
    }
    const messageId = messageIdOf(type, account, role, delivery);
    const body = JSON.stringify({
      type,
      timestamp: new Date().toISOString(),
      data: {
        idempotencyKey: messageId,
        // what the receiver names in its confirmation of a delivery it answered 202 (Latchkey's callback)
        ...(delivery ? { deliveryId: delivery.idempotencyKey } : {}),
        resource: { id: role.resourceId, displayName: resource?.displayName ?? role.resourceId },
        role: { id: role.roleId, displayName: declaredRole?.displayName ?? role.roleId },
        account: { id: account.id, display: account.display },
      },
    });
    const answer = await sender.send({ method: 'POST', url: settings.url, messageId, body, doing });
    if (answer.status === 202) return { changed: true, pending: true };
    return { changed: !alreadyDone(answer) };
  }

  const target: Target = {
    async test() {
      const body = JSON.stringify({ type: 'ping', timestamp: new Date().toISOString(), data: { reason: 'connection test' } });
      const answer = await sender.send({ method: 'POST', url: settings.url, body, doing: 'a signed ping' });
      return { summary: `The receiver at ${where} answered ${answer.status} to a signed ping; ${settings.resources.length} resources and ${settings.roles.length} roles declared.` };
    },

    async searchResources(search, limit) {
      const needle = search.toLowerCase();
      return settings.resources
        .filter((r) => r.id.toLowerCase().includes(needle) || r.displayName.toLowerCase().includes(needle))
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .slice(0, Math.max(0, limit))
        .map(describe);
    },

    async lookupResource(resourceId) {
      const r = resourceOf(resourceId);
      return r ? describe(r) : undefined;
    },

    rolesOf() {
      return roles;
    },

    async findAccount(subject) {
      return { id: subject.id, display: subject.userPrincipalName };
    },

    grant: (account, role, delivery) => deliver('access.granted', account, role, delivery),
    revoke: (account, role, delivery) => deliver('access.revoked', account, role, delivery),

    async listHolders(role) {
      const doing = `the list of holders of '${role.roleId}' of '${role.resourceId}'`;
      if (!settings.holdersUrl) {
        throw new ConnectorError(
          `Reconciliation is not available for this webhook: a webhook cannot be asked who holds '${role.roleId}' of '${role.resourceId}' unless the connection has a holdersUrl.`,
          false,
        );
      }
      const url = new URL(settings.holdersUrl);
      url.searchParams.set('resource', role.resourceId);
      url.searchParams.set('role', role.roleId);
      const answer = await sender.send({ method: 'GET', url: url.toString(), doing });
      return holdersIn(answer, receiverName(settings.holdersUrl), doing);
    },

    async close() {
      // nothing held open: fetch's connection pool closes idle sockets by itself
    },
  };
  return withLimits(target, limits);
}

/** The webhook-id of one delivery: the same for its retries, different for another event, role, person or delivery. */
function messageIdOf(type: string, account: AccountRef, role: TargetRole, delivery?: Delivery): string {
  const key = JSON.stringify([type, role.resourceId, role.roleId, account.id, delivery?.idempotencyKey ?? null]);
  return `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

function alreadyDone(answer: ReceiverAnswer): boolean {
  const json = answer.json as { alreadyDone?: unknown } | undefined;
  return typeof json === 'object' && json !== null && json.alreadyDone === true;
}

function holdersIn(answer: ReceiverAnswer, where: string, doing: string): AccountRef[] {
  const holders = (answer.json as { holders?: unknown } | undefined)?.holders;
  if (!Array.isArray(holders) || !holders.every((h) => typeof h === 'object' && h !== null && typeof (h as { id?: unknown }).id === 'string')) {
    throw new ConnectorError(`The receiver at ${where} answered ${doing} without {"holders":[{"id":"…"}]}.`, false);
  }
  return (holders as { id: string; display?: unknown }[]).map((h) => ({ id: h.id, display: typeof h.display === 'string' ? h.display : h.id }));
}
