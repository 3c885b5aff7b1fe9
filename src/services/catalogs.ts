import { RoleDefinitionIds, isAdministrator } from '../domain/authorization.js';
import { CATALOG_STATES, EXTERNAL_TARGET_SCOPES, GENERAL_CATALOG_NAME, type CatalogState } from '../domain/catalog.js';
import { isoNow } from '../domain/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import { isUniqueViolation } from '../store/constraints.js';
import { deleteCatalog, findCatalogById, findDefaultCatalog, insertCatalog, updateCatalog } from '../store/catalogs.js';
import { catalogHasPackages } from '../store/packages.js';
import { listPoliciesForExternalUsers } from '../store/policies.js';
import { insertRoleAssignment } from '../store/role-assignments.js';
import { holdRow } from '../store/locks.js';
import type { CatalogsTable } from '../store/schema.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

export type CatalogRow = CatalogsTable;

export interface CatalogInput {
  displayName?: string;
  description?: string | null;
  state?: CatalogState;
  isExternallyVisible?: boolean;
}

const AUDITED = ['displayName', 'description', 'state', 'isExternallyVisible'] as const;

export async function findCatalog(db: Db | Tx, id: string): Promise<CatalogRow> {
  const row = isGuid(id) ? await findCatalogById(db, id) : undefined;
  if (!row) throw new NotFoundError('Catalog', id);
  return row;
}

function auditView(row: CatalogRow) {
  return { displayName: row.displayName, description: row.description, state: row.state, isExternallyVisible: !!row.isExternallyVisible };
}

/** Policies named in a refusal; more are counted. */
const NAMED_POLICIES = 10;

/** A catalog is closed to external users only once none of its packages' policies is for them (409 naming them). */
async function refuseExternalPolicies(tx: Tx, catalog: CatalogRow): Promise<void> {
  await holdRow(tx, 'catalogs', catalog.id);
  const rows = await listPoliciesForExternalUsers(tx, catalog.id, EXTERNAL_TARGET_SCOPES, NAMED_POLICIES + 1);
  if (rows.length === 0) return;
  const named = rows.slice(0, NAMED_POLICIES).map((r) => `'${r.displayName}' (${r.id}, ${r.allowedTargetScope}) of '${r.packageName}'`);
  throw new ConflictError(
    `Catalog '${catalog.displayName}' cannot be closed to external users while policies of its access packages are for them; change or delete these first: ${named.join(', ')}${rows.length > NAMED_POLICIES ? ' and more' : ''}.`,
    'CatalogHasExternalPolicies',
  );
}

export function createCatalogService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    get: (id: string) => findCatalog(db, id),

    /** Creates the built-in General catalog if it is missing; run at start-up after migrations. */
    async ensureGeneral(): Promise<CatalogRow> {
      const existing = await findDefaultCatalog(db);
      if (existing) return existing;
      const at = isoNow(clock);
      const row: CatalogRow = {
        id: newId(), displayName: GENERAL_CATALOG_NAME, description: 'Built-in catalog.', state: 'published',
        isExternallyVisible: 1, catalogType: 'serviceDefault', createdAt: at, modifiedAt: at,
      };
      try {
        await db.transaction().execute(async (tx) => {
          await insertCatalog(tx, row);
          await events.publish(tx, null, { type: 'catalogCreated', catalogId: row.id, name: row.displayName, changes: [] }, { at });
        });
      } catch (e) {
        // another process starting at the same moment created it first (unique index, migration 0006)
        if (!isUniqueViolation(e)) throw e;
        const created = await findDefaultCatalog(db);
        if (!created) throw e;
        return created;
      }
      return row;
    },

    async create(caller: Caller, input: CatalogInput & { displayName: string }): Promise<CatalogRow> {
      const at = isoNow(clock);
      const row: CatalogRow = {
        id: newId(),
        displayName: input.displayName,
        description: input.description ?? null,
        state: input.state ?? 'published',
        // the reference creates catalogs visible to external users unless told otherwise
        isExternallyVisible: input.isExternallyVisible === false ? 0 : 1,
        catalogType: 'userManaged',
        createdAt: at,
        modifiedAt: at,
      };
      await db.transaction().execute(async (tx) => {
        await insertCatalog(tx, row);
        await events.publish(tx, caller, { type: 'catalogCreated', catalogId: row.id, name: row.displayName, changes: diffProperties(null, auditView(row), AUDITED) }, { at });
        // a catalog creator becomes the first owner of what it creates; an administrator needs no role
        if (!isAdministrator(caller.principal)) {
          await insertRoleAssignment(tx, {
            id: newId(), principalId: caller.principal.userId, roleDefinitionId: RoleDefinitionIds.catalogOwner,
            appScopeId: `/AccessPackageCatalog/${row.id}`, catalogId: row.id, createdAt: at,
          });
          await events.publish(tx, caller, { type: 'catalogCreatorMadeOwner', catalogId: row.id, catalogName: row.displayName, principalId: caller.principal.userId }, { at });
        }
      });
      return row;
    },

    async update(caller: Caller, id: string, patch: CatalogInput, check?: (current: CatalogRow) => void): Promise<CatalogRow> {
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const current = await findCatalog(tx, id);
        check?.(current);
        if (patch.isExternallyVisible === false && current.isExternallyVisible) await refuseExternalPolicies(tx, current);
        if (current.catalogType === 'serviceDefault' && patch.displayName !== undefined && patch.displayName !== current.displayName) {
          throw new ValidationError('The built-in General catalog cannot be renamed.', 'displayName');
        }
        const next: CatalogRow = {
          ...current,
          displayName: patch.displayName ?? current.displayName,
          description: patch.description !== undefined ? patch.description : current.description,
          state: patch.state ?? current.state,
          isExternallyVisible: patch.isExternallyVisible === undefined ? current.isExternallyVisible : patch.isExternallyVisible ? 1 : 0,
          modifiedAt: at,
        };
        const changes = diffProperties(auditView(current), auditView(next), AUDITED);
        if (changes.length === 0) return current;
        await updateCatalog(tx, next);
        await events.publish(tx, caller, { type: 'catalogUpdated', catalogId: id, name: next.displayName, changes }, { at });
        return next;
      });
    },

    async delete(caller: Caller, id: string, check?: (current: CatalogRow) => void): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const current = await findCatalog(tx, id);
        check?.(current);
        if (current.catalogType === 'serviceDefault') throw new ValidationError('The built-in General catalog cannot be deleted.', 'id', 'CannotDeleteDefaultCatalog');
        if (await catalogHasPackages(tx, id)) {
          throw new ConflictError(
            `Catalog '${current.displayName}' still has access packages; delete or move them before deleting the catalog.`,
            'InvalidDeleteCatalogHasAccessPackages',
          );
        }
        await deleteCatalog(tx, id);
        await events.publish(tx, caller, { type: 'catalogDeleted', catalogId: id, name: current.displayName }, { at });
      });
    },
  };
}

export { CATALOG_STATES };
