import type { Db, Tx } from './db.js';
import type { ConnectedOrganizationSponsorsTable, ConnectedOrganizationsTable } from './schema.js';

// Connected organizations: their rows, the domains and tenants they claim, and their sponsors.

type ConnectedOrganizationRow = ConnectedOrganizationsTable;

/** The table added by migration 0002_orgs: which organization claims each domain or tenant. */
type KeysTables = {
  connectedOrganizationKeys: { sourceKey: string; connectedOrganizationId: string };
};

// ---- organizations

/** An organization by id (lower-case), or undefined. */
export async function findConnectedOrganizationById(db: Db | Tx, id: string): Promise<ConnectedOrganizationRow | undefined> {
  return db.selectFrom('connectedOrganizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertConnectedOrganization(db: Db | Tx, row: ConnectedOrganizationRow): Promise<void> {
  await db.insertInto('connectedOrganizations').values(row).execute();
}

/** Writes every column of the organization `row.id`. */
export async function updateConnectedOrganization(db: Db | Tx, row: ConnectedOrganizationRow): Promise<void> {
  await db.updateTable('connectedOrganizations').set(row).where('id', '=', row.id).execute();
}

/** Deletes an organization with its sponsors and its claimed keys. */
export async function deleteConnectedOrganization(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('connectedOrganizationSponsors').where('connectedOrganizationId', '=', id).execute();
  await tx.withTables<KeysTables>().deleteFrom('connectedOrganizationKeys').where('connectedOrganizationId', '=', id).execute();
  await tx.deleteFrom('connectedOrganizations').where('id', '=', id).execute();
}

// ---- claimed keys (domain:…, tenant:…)

export async function deleteOrganizationKeys(tx: Tx, orgId: string): Promise<void> {
  await tx.withTables<KeysTables>().deleteFrom('connectedOrganizationKeys').where('connectedOrganizationId', '=', orgId).execute();
}

/** The first of `keys` already claimed, with the organization that claims it, or undefined. */
export async function findClaimedKey(tx: Tx, keys: string[]): Promise<{ sourceKey: string; displayName: string; id: string } | undefined> {
  return tx.withTables<KeysTables>()
    .selectFrom('connectedOrganizationKeys')
    .innerJoin('connectedOrganizations', 'connectedOrganizations.id', 'connectedOrganizationKeys.connectedOrganizationId')
    .select(['connectedOrganizationKeys.sourceKey', 'connectedOrganizations.displayName', 'connectedOrganizations.id'])
    .where('connectedOrganizationKeys.sourceKey', 'in', keys)
    .executeTakeFirst();
}

export async function insertOrganizationKeys(tx: Tx, orgId: string, keys: string[]): Promise<void> {
  await tx.withTables<KeysTables>().insertInto('connectedOrganizationKeys').values(keys.map((sourceKey) => ({ sourceKey, connectedOrganizationId: orgId }))).execute();
}

/** The organizations that claim `key` (the primary key allows one; a list keeps the caller's rule in charge). */
export async function listOrganizationsByKey(db: Db | Tx, key: string): Promise<ConnectedOrganizationRow[]> {
  return db
    .withTables<KeysTables>()
    .selectFrom('connectedOrganizationKeys')
    .innerJoin('connectedOrganizations', 'connectedOrganizations.id', 'connectedOrganizationKeys.connectedOrganizationId')
    .selectAll('connectedOrganizations')
    .where('connectedOrganizationKeys.sourceKey', '=', key)
    .execute();
}

// ---- sponsors

type SponsorKey = Pick<ConnectedOrganizationSponsorsTable, 'connectedOrganizationId' | 'kind' | 'directoryObjectId'>;

export async function hasSponsor(db: Db | Tx, s: SponsorKey): Promise<boolean> {
  return !!(await db
    .selectFrom('connectedOrganizationSponsors')
    .select('directoryObjectId')
    .where('connectedOrganizationId', '=', s.connectedOrganizationId)
    .where('kind', '=', s.kind)
    .where('directoryObjectId', '=', s.directoryObjectId)
    .executeTakeFirst());
}

export async function insertSponsor(db: Db | Tx, row: ConnectedOrganizationSponsorsTable): Promise<void> {
  await db.insertInto('connectedOrganizationSponsors').values(row).execute();
}

/** Removes a sponsor; the number of rows deleted (0 when there was none). */
export async function deleteSponsor(db: Db | Tx, s: SponsorKey): Promise<number> {
  const r = await db
    .deleteFrom('connectedOrganizationSponsors')
    .where('connectedOrganizationId', '=', s.connectedOrganizationId)
    .where('kind', '=', s.kind)
    .where('directoryObjectId', '=', s.directoryObjectId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The internal or external sponsors (users or groups) of a connected organization. */
export async function listSponsorsOf(db: Db | Tx, connectedOrganizationId: string, kind: 'internal' | 'external'): Promise<{ directoryObjectId: string; objectType: string }[]> {
  return db.selectFrom('connectedOrganizationSponsors').select(['directoryObjectId', 'objectType'])
    .where('connectedOrganizationId', '=', connectedOrganizationId).where('kind', '=', kind).execute();
}
