import type { Db, Tx } from './db.js';

/** The table added by migration 0002_orgs: which organization claims each domain or tenant. */
type KeysTables = { connectedOrganizationKeys: { sourceKey: string; connectedOrganizationId: string } };

/** A connected organization's state, by id. */
export async function findConnectedOrganizationState(db: Db | Tx, id: string): Promise<{ id: string; state: string } | undefined> {
  return db.selectFrom('connectedOrganizations').select(['id', 'state']).where('id', '=', id).executeTakeFirst();
}

/** The connected organization that claims an email domain (lower-case), with its state. */
export async function findConnectedOrganizationByDomain(db: Db | Tx, domain: string): Promise<{ id: string; state: string } | undefined> {
  return db.withTables<KeysTables>()
    .selectFrom('connectedOrganizationKeys')
    .innerJoin('connectedOrganizations', 'connectedOrganizations.id', 'connectedOrganizationKeys.connectedOrganizationId')
    .select(['connectedOrganizations.id', 'connectedOrganizations.state'])
    .where('connectedOrganizationKeys.sourceKey', '=', `domain:${domain}`)
    .executeTakeFirst();
}
