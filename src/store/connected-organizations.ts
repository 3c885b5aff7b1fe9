import type { Db, Tx } from './db.js';

// Connected organizations (partners whose people may request access): lifecycle reads.

/** The internal or external sponsors (users or groups) of a connected organization. */
export async function listSponsorsOf(db: Db | Tx, connectedOrganizationId: string, kind: 'internal' | 'external'): Promise<{ directoryObjectId: string; objectType: string }[]> {
  return db.selectFrom('connectedOrganizationSponsors').select(['directoryObjectId', 'objectType'])
    .where('connectedOrganizationId', '=', connectedOrganizationId).where('kind', '=', kind).execute();
}
