import { isoNow } from '../domain/clock.js';
import {
  describeKey,
  emailDomain,
  identitySourceKey,
  organizationForEmail,
  validateIdentitySources,
  type ConnectedOrganizationState,
  type IdentitySource,
  type SponsorKind,
} from '../domain/connected-organization.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import type { ConnectedOrganizationsTable } from '../store/schema.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';
import { isUniqueViolation } from '../store/constraints.js';
import {
  deleteConnectedOrganization, deleteOrganizationKeys, deleteSponsor, findClaimedKey, findConnectedOrganizationById, hasSponsor,
  insertConnectedOrganization, insertOrganizationKeys, insertSponsor, listOrganizationsByKey, updateConnectedOrganization,
} from '../store/connected-organizations.js';
import { findDirectoryObject, type DirectoryObjectRef, type DirectoryObjectType } from '../store/directory-objects.js';
import { findPolicyNaming } from '../store/policies.js';

export { findDirectoryObject, type DirectoryObjectRef, type DirectoryObjectType };

export type ConnectedOrganizationRow = ConnectedOrganizationsTable;

export interface ConnectedOrganizationInput {
  displayName?: string;
  description?: string | null;
  /** raw client input, validated here */
  identitySources?: unknown;
  state?: ConnectedOrganizationState;
}

const AUDITED = ['displayName', 'description', 'state', 'identitySources'] as const;

export function identitySourcesOf(row: ConnectedOrganizationRow): IdentitySource[] {
  return JSON.parse(row.identitySources) as IdentitySource[];
}

function auditView(row: ConnectedOrganizationRow) {
  return { displayName: row.displayName, description: row.description, state: row.state, identitySources: identitySourcesOf(row) };
}

export async function findConnectedOrganization(db: Db | Tx, id: string): Promise<ConnectedOrganizationRow> {
  const row = isGuid(id) ? await findConnectedOrganizationById(db, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Connected organization', id);
  return row;
}

/**
 * Claims the domains and tenants of an organization's sources. Another organization's claim is a 409
 * that names both; the primary key on source_key settles a race between two concurrent writers.
 */
async function claimKeys(tx: Tx, orgId: string, sources: IdentitySource[]): Promise<void> {
  await deleteOrganizationKeys(tx, orgId);
  const keys = sources.map(identitySourceKey).filter((k): k is string => k !== undefined);
  if (keys.length === 0) return;
  const taken = await findClaimedKey(tx, keys);
  const conflict = (key: string, owner?: { displayName: string; id: string }) =>
    new ConflictError(
      `The ${describeKey(key)} already belongs to connected organization ${owner ? `'${owner.displayName}' (${owner.id})` : 'another organization'}; a domain or tenant can belong to one connected organization only.`,
      'DuplicateIdentitySource',
    );
  if (taken) throw conflict(taken.sourceKey, taken);
  try {
    await insertOrganizationKeys(tx, orgId, keys);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(keys[0]);
    throw e;
  }
}

export function createConnectedOrganizationService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    get: (id: string) => findConnectedOrganization(db, id),

    async create(caller: Caller, input: ConnectedOrganizationInput & { displayName: string }): Promise<ConnectedOrganizationRow> {
      // validate everything before the transaction: nothing is written for bad input
      const sources = validateIdentitySources(input.identitySources ?? []);
      const at = isoNow(clock);
      const row: ConnectedOrganizationRow = {
        id: newId(),
        displayName: input.displayName,
        description: input.description ?? null,
        identitySources: JSON.stringify(sources),
        // the reference creates organizations through the API as configured unless told otherwise
        state: input.state ?? 'configured',
        createdAt: at,
        modifiedAt: at,
      };
      await db.transaction().execute(async (tx) => {
        await insertConnectedOrganization(tx, row);
        await claimKeys(tx, row.id, sources);
        await events.publish(tx, caller, { type: 'connectedOrganizationCreated', organizationId: row.id, name: row.displayName, changes: diffProperties(null, auditView(row), AUDITED) }, { at });
      });
      return row;
    },

    async update(caller: Caller, id: string, patch: ConnectedOrganizationInput, check?: (current: ConnectedOrganizationRow) => void): Promise<ConnectedOrganizationRow> {
      const sources = patch.identitySources === undefined ? undefined : validateIdentitySources(patch.identitySources);
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const current = await findConnectedOrganization(tx, id);
        check?.(current);
        const next: ConnectedOrganizationRow = {
          ...current,
          displayName: patch.displayName ?? current.displayName,
          description: patch.description !== undefined ? patch.description : current.description,
          state: patch.state ?? current.state,
          identitySources: sources ? JSON.stringify(sources) : current.identitySources,
          modifiedAt: at,
        };
        const changes = diffProperties(auditView(current), auditView(next), AUDITED);
        if (changes.length === 0) return current;
        if (sources) await claimKeys(tx, current.id, sources);
        await updateConnectedOrganization(tx, next);
        await events.publish(tx, caller, { type: 'connectedOrganizationUpdated', organizationId: current.id, name: next.displayName, changes }, { at });
        return next;
      });
    },

    async delete(caller: Caller, id: string, check?: (current: ConnectedOrganizationRow) => void): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const current = await findConnectedOrganization(tx, id);
        check?.(current);
        // policies name organizations inside their JSON subject sets (connectedOrganizationMembers);
        // deleting one under a policy would silently change who may request, so refuse instead
        const policy = await findPolicyNaming(tx, current.id);
        if (policy) {
          throw new ConflictError(
            `Connected organization '${current.displayName}' is used by assignment policy '${policy.displayName}' (${policy.id}); remove it from the policy before deleting the organization.`,
            'InvalidDeleteConnectedOrganizationInUse',
          );
        }
        await deleteConnectedOrganization(tx, current.id);
        await events.publish(tx, caller, {
          type: 'connectedOrganizationDeleted', organizationId: current.id, name: current.displayName,
          changes: diffProperties(auditView(current), { displayName: null, description: null, state: null, identitySources: null }, AUDITED),
        }, { at });
      });
    },

    /** Adds a user or group as an internal or external sponsor; `type` narrows what the reference may name. */
    async addSponsor(caller: Caller, orgId: string, kind: SponsorKind, objectId: string, type?: DirectoryObjectType): Promise<DirectoryObjectRef> {
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const org = await findConnectedOrganization(tx, orgId);
        const obj = await findDirectoryObject(tx, objectId, type);
        if (!obj) throw new NotFoundError(type === 'user' ? 'User' : type === 'group' ? 'Group' : 'Directory object (user or group)', objectId);
        const existing = await hasSponsor(tx, { connectedOrganizationId: org.id, kind, directoryObjectId: obj.id });
        const duplicate = () => new ConflictError(`'${obj.displayName}' (${obj.id}) is already an ${kind} sponsor of '${org.displayName}'.`, 'ObjectReferenceAlreadyExists');
        if (existing) throw duplicate();
        try {
          await insertSponsor(tx, { connectedOrganizationId: org.id, directoryObjectId: obj.id, objectType: obj.type, kind, createdAt: at });
        } catch (e) {
          if (isUniqueViolation(e)) throw duplicate();
          throw e;
        }
        await events.publish(tx, caller, { type: 'sponsorAdded', organizationId: org.id, organizationName: org.displayName, kind, directoryObjectId: obj.id }, { at });
        return obj;
      });
    },

    async removeSponsor(caller: Caller, orgId: string, kind: SponsorKind, objectId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const org = await findConnectedOrganization(tx, orgId);
        const deleted = isGuid(objectId) ? await deleteSponsor(tx, { connectedOrganizationId: org.id, kind, directoryObjectId: objectId.toLowerCase() }) : 0;
        if (deleted === 0) throw new NotFoundError(`${kind === 'internal' ? 'Internal' : 'External'} sponsor of '${org.displayName}'`, objectId);
        await events.publish(tx, caller, { type: 'sponsorRemoved', organizationId: org.id, organizationName: org.displayName, kind, directoryObjectId: objectId.toLowerCase() }, { at });
      });
    },

    /**
     * The connected organization an external email address belongs to (by its domain), or undefined.
     * The key index narrows the candidates to one; the pure rule decides, so both paths agree.
     */
    async organizationForEmail(email: string): Promise<(ConnectedOrganizationRow & { sources: IdentitySource[] }) | undefined> {
      const domain = emailDomain(email);
      if (!domain) return undefined;
      const rows = await listOrganizationsByKey(db, `domain:${domain}`);
      const candidates = rows.map((r) => ({ ...r, sources: identitySourcesOf(r), identitySources: r.identitySources }));
      const found = organizationForEmail(candidates.map((c) => ({ id: c.id, identitySources: c.sources })), email);
      return found ? candidates.find((c) => c.id === found.id) : undefined;
    },
  };
}
